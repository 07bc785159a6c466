/**
 * The network faults of a chaos run, through each instance's fault proxy (fault.proxy.ts) — only
 * for a store with a server (SQLite has no network). A partition holds every byte in order and,
 * at its end, either delivers them (late requests reach the server) or resets the connections:
 * - `partition-leader` / `partition-follower`: one link blackholed for 2–3 × TTL (a follower 1–3 ×);
 * - `split-minority` / `split-majority`: ⌊n/2⌋ or ⌈n/2⌉ random instances cut off together, 2–3 × TTL;
 * - `latency-leader`: 50–300 ms each way on the leader's link for 3–5 × TTL;
 * - `flap-links`: the leader's or a random link alternates blackhole / pass every 100–600 ms for 3 × TTL;
 * - `reset-links`: the leader's connections reset (RST) at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Instance } from '../support/cluster.js';
import type { SeededRandom } from './chaos.random.js';
import type { FaultKind, FaultTargets } from './fault.injector.js';

/** A network fault as it happened: whose links, whether the leader's was among them, when. */
export interface LinkFault {
  kind: FaultKind;
  pids: number[];
  /** The leader when the fault began, if its link was among them. */
  leader?: number;
  from: number;
  to: number;
  /** How the held bytes ended: delivered, dropped with a reset, or nothing held. */
  heal: 'deliver' | 'reset' | 'none';
}

/** Runs one network fault of `kind` on the cluster; resolves once it is over. */
export async function networkFault(
  t: FaultTargets,
  kind: FaultKind,
  rng: SeededRandom,
  leader: Instance | undefined,
): Promise<LinkFault | string> {
  const live = t.cluster.live().filter((i) => t.cluster.proxies.has(i.pid));
  const proxy = (i: Instance) => t.cluster.proxies.get(i.pid)!;
  const ttl = t.leaseTtl;
  const followers = live.filter((i) => i !== leader);
  const targets =
    kind === 'partition-leader' || kind === 'latency-leader' || kind === 'reset-links'
      ? leader && [leader]
      : kind === 'partition-follower'
        ? followers.length > 0 && [rng.pick(followers)]
        : kind === 'flap-links'
          ? [rng.int(0, 1) && leader ? leader : rng.pick(live)]
          : shuffle(live, rng).slice(0, kind === 'split-minority' ? live.length >> 1 : (live.length + 1) >> 1);
  if (!targets || targets.length === 0) return `skipped (no ${leader ? 'follower' : 'single leader'})`;
  const proxies = targets.map(proxy);
  const from = Date.now();
  const record = (heal: LinkFault['heal']): LinkFault => ({
    kind,
    pids: targets.map((i) => i.pid),
    ...(leader && targets.includes(leader) ? { leader: leader.pid } : {}),
    from,
    to: Date.now(),
    heal,
  });
  if (kind === 'reset-links') {
    for (const p of proxies) p.reset();
    return record('none');
  }
  if (kind === 'latency-leader') {
    const ms = rng.int(50, 300);
    for (const p of proxies) p.latency(ms);
    await sleep(rng.int(3, 5) * ttl);
    for (const p of proxies) p.heal();
    return record('none');
  }
  if (kind === 'flap-links') {
    for (const end = from + 3 * ttl; Date.now() < end;) {
      for (const p of proxies) p.blackhole();
      await sleep(rng.int(100, 600));
      for (const p of proxies) p.heal();
      await sleep(rng.int(100, 600));
    }
    return record('deliver');
  }
  for (const p of proxies) p.blackhole();
  await sleep(rng.int(kind === 'partition-follower' ? 1 : 2, 3) * ttl);
  const heal = rng.int(0, 1) ? 'deliver' : 'reset';
  for (const p of proxies) {
    if (heal === 'deliver') p.heal();
    else p.healByReset();
  }
  return record(heal);
}

/** A seeded shuffle (Fisher–Yates) of a copy of `items`. */
export function shuffle<T>(items: readonly T[], rng: SeededRandom): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
