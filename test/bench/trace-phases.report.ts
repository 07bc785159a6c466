/**
 * Reads what test/bench/fixtures/replica.instance.js wrote under TRACE_DIR (a CPU profile and phase timings per
 * process) and prints, per compression setting, each version's time line from the leader's write call, then the
 * main-thread time of each process in those windows by the function on top of the stack (self time).
 *
 *   TRACE_DIR=/tmp/t node build/test/bench/run.js --only large-change
 *   node build/test/bench/trace-phases.report.js /tmp/t [first version, default 7: the 10 MB ones of a full run]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Phase {
  phase: string;
  version?: number;
  at: number;
  ms: number;
}
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface Trace {
  role: string;
  setting: string;
  pid: string;
  phases: Phase[];
  profile: Profile;
}

const [dir, first = '7'] = process.argv.slice(2);
const traces: Trace[] = readdirSync(dir)
  .filter((file) => file.endsWith('.phases.jsonl'))
  .map((file) => {
    const name = file.replace('.phases.jsonl', '');
    const [role, setting, pid] = name.split('-');
    const lines = readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean);
    const profile = JSON.parse(readFileSync(join(dir, `${name}.cpuprofile`), 'utf8')) as Profile;
    return { role, setting, pid, phases: lines.map((line) => JSON.parse(line) as Phase), profile };
  });

const find = (trace: Trace, phase: string, version: number) =>
  trace.phases.find((p) => p.phase === phase && p.version === version);
const ms = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(0));

/** Self time (ms) per function of `trace` within the windows, summed. */
function selfTimes(trace: Trace, windows: [number, number][]): Map<string, number> {
  const { profile } = trace;
  const names = new Map(
    profile.nodes.map((n) => {
      const { functionName, url, lineNumber } = n.callFrame;
      return [n.id, `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`];
    }),
  );
  // The fixture notes when the profiler started on its own clock: the samples' offsets count from there.
  const base = trace.phases.find((p) => p.phase === 'profile-start')!.at;
  const totals = new Map<string, number>();
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const at = base + t / 1_000;
    if (!windows.some(([start, end]) => at >= start && at <= end)) continue;
    const name = names.get(profile.samples[i])!;
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1_000);
  }
  return totals;
}

for (const setting of [...new Set(traces.map((t) => t.setting))]) {
  const group = traces.filter((t) => t.setting === setting);
  const leader = group.find((t) => t.role === 'leader')!;
  const followers = group.filter((t) => t.role === 'follower');
  const writes = leader.phases.filter((p) => p.phase === 'write' && p.version! >= Number(first));
  const windows: [number, number][] = [];
  console.log(`\n## ${setting}: ms from the leader's write call`);
  for (const write of writes) {
    const v = write.version!;
    const rel = (p: Phase | undefined, end = false) => ms(p && p.at + (end ? p.ms : 0) - write.at);
    let line = `v${v} leader: encode ${ms(find(leader, 'encode', v)?.ms)}, write ${ms(write.ms)}`;
    for (const f of followers) {
      const decode = find(f, 'decode', v);
      line += ` | follower: event ${rel(find(f, 'event', v))}, decode ${rel(decode)}–${rel(decode, true)}`;
      line += `, installed ${rel(find(f, 'installed', v))}`;
    }
    console.log(line);
    const ends = followers.map((f) => find(f, 'installed', v)?.at ?? write.at);
    windows.push([write.at, Math.max(...ends)]);
  }
  for (const trace of group) {
    const top = [...selfTimes(trace, windows)].sort((a, b) => b[1] - a[1]).slice(0, 8);
    const per = (value: number) => (value / windows.length).toFixed(0);
    console.log(`${trace.role} ${trace.pid}, ms per version: ${top.map(([n, v]) => `${n} ${per(v)}`).join('; ')}`);
  }
}
