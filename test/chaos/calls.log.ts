/**
 * Reads the FileSource's calls.log (`pid tag action start|end epochMs version [invalid]`
 * per line, plus the caller's lease view on a start: `fence=F left=L confirmed=T`) as it
 * grows, by byte offset: the chaos runner polls it often (to find the leader before each
 * fault, for takeovers) and a long run writes megabytes, so it never rereads what it has
 * already seen.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { parseSourceCall, type SourceCall } from '../fixtures/file.source.js';

/** One source call, start to end, by one process. */
export interface CallSpan {
  pid: number;
  tag: string;
  action: string;
  start: number;
  end: number;
}

/** The calls.log of a source directory, read incrementally. */
export class CallsLog {
  /** Every line read so far, in file (= write) order. */
  readonly calls: SourceCall[] = [];
  private offset = 0;
  private rest = '';

  constructor(private readonly dir: string) {}

  /** Reads what was appended since the last poll; returns the new lines. */
  poll(): SourceCall[] {
    let fd: number;
    try {
      fd = openSync(join(this.dir, 'calls.log'), 'r');
    } catch {
      return []; // no call yet
    }
    const chunks: Buffer[] = [];
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (let n; (n = readSync(fd, buffer, 0, buffer.length, this.offset)) > 0; this.offset += n)
        chunks.push(Buffer.from(buffer.subarray(0, n)));
    } finally {
      closeSync(fd);
    }
    const text = this.rest + Buffer.concat(chunks).toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop() ?? ''; // a line still being written
    const fresh = lines.filter(Boolean).map(parseSourceCall);
    for (const call of fresh) this.calls.push(call);
    return fresh;
  }

  /** The pid of the latest call start, i.e. the process running the checks now. */
  runner(): number | undefined {
    for (let i = this.calls.length - 1; i >= 0; i--) if (this.calls[i].phase === 'start') return this.calls[i].pid;
    return undefined;
  }

  /**
   * Completed calls (start paired with its end), sorted by start. A call whose process was killed mid-way has no span.
   */
  spans(): CallSpan[] {
    const started = new Map<string, number>();
    const spans: CallSpan[] = [];
    for (const call of this.calls) {
      const key = `${call.pid} ${call.tag} ${call.action}`;
      if (call.phase === 'start') started.set(key, call.at);
      else if (started.has(key)) {
        spans.push({ pid: call.pid, tag: call.tag, action: call.action, start: started.get(key)!, end: call.at });
        started.delete(key);
      }
    }
    return spans.sort((a, b) => a.start - b.start);
  }
}

/**
 * Pairs of calls from two different processes that overlapped in time — the
 * "at most one runner" invariant as the multi-process suite counts it
 * (test/support/multi-process.scenarios.ts `overlaps`), with each pair kept for the report.
 */
export function overlappingCalls(spans: CallSpan[]): [CallSpan, CallSpan][] {
  const pairs: [CallSpan, CallSpan][] = [];
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length && spans[j].start < spans[i].end; j++) {
      if (spans[j].pid !== spans[i].pid) pairs.push([spans[i], spans[j]]);
    }
  }
  return pairs;
}
