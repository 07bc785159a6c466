/**
 * What a chaos run needs inside each instance (test/fixtures/instance.ts), kept apart from it:
 * - the process's own view of its lease, from a wrapper around its lock (`observeLock`): the fence
 *   of its last acquisition and, by the monotonic clock, the send time + TTL of the last
 *   acquire/renew the lock confirmed — the lease cannot have expired before that. Independent of
 *   the module's bookkeeping, so the run can check that no call starts and no write is sent after it;
 * - each snapshot write reported over IPC with that view (`observeWrites`);
 * - the faults the runner asks for over IPC (`onChaosMessage`): stop this process (SIGSTOP) at a
 *   moment no callback is open, or inside its next DATA call; block the event loop in its next DATA.
 *   The process stops itself, from a macrotask of its own, so such a pause can never land between
 *   the module's lease check, the call it guards and the call's line in calls.log.
 */
import { performance } from 'node:perf_hooks';
import type { SyncLock, SyncStore } from '../../lib/backend/index.js';
import type { SourceCallLease } from '../fixtures/file.source.js';

// A reporter timer may fire after close() disconnected the IPC channel: sending then would throw.
const send = (message: object) => process.connected && process.send?.(message);

const lease = { fence: 0, until: -Infinity, sentAt: 0 };
// When the event loop last turned: a call long after it ran in a process that was not scheduled meanwhile.
let turned = performance.now();
setInterval(() => (turned = performance.now()), 5).unref();

/** The lease as this process's lock calls proved it, now (for calls.log). */
export function leaseView(): SourceCallLease {
  const now = performance.now();
  return {
    fence: lease.fence,
    left: Math.round(lease.until - now),
    confirmed: Math.round(lease.sentAt),
    unscheduled: Math.round(now - turned),
  };
}

/** The fence of this process's last acquisition (0: none yet). */
export function leaseFence(): number {
  return lease.fence;
}

/** Reports a lock call over IPC once it settles (the chaos report shows them around a violation). */
async function reported<T>(call: 'acquire' | 'renew', fence: number | undefined, result: Promise<T>): Promise<T> {
  const sentAt = Date.now();
  const report = (outcome: string) => send({ type: 'lock', call, fence, sentAt, outcome, at: Date.now() });
  try {
    const value = await result;
    report(
      typeof value === 'object' && value ? `fence ${(value as unknown as { fence: number }).fence}` : String(value),
    );
    return value;
  } catch (error) {
    report(`error: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}

/** `lock`, recording what each successful acquire/renew proved. */
export function observeLock(lock: SyncLock): SyncLock {
  const proved = (fence: number, sent: number, ttl: number) => {
    if (fence !== lease.fence) Object.assign(lease, { fence, until: -Infinity });
    if (sent + ttl <= lease.until) return;
    Object.assign(lease, { until: sent + ttl, sentAt: Date.now() - (performance.now() - sent) });
  };
  return {
    ...(lock.connect ? { connect: () => lock.connect!() } : {}),
    acquire: async (name, holder, ttl) => {
      const sent = performance.now();
      const got = await reported('acquire', undefined, lock.acquire(name, holder, ttl));
      if (got) proved(got.fence, sent, ttl);
      return got;
    },
    renew: async (held, ttl) => {
      const sent = performance.now();
      const ok = await reported('renew', held.fence, lock.renew(held, ttl));
      if (ok) proved(held.fence, sent, ttl);
      return ok;
    },
    release: (held) => lock.release(held),
    current: (name) => lock.current(name),
    close: () => lock.close(),
  };
}

/** Reports each snapshot write over IPC, with the writer's lease view when it was sent. */
export function observeWrites(store: SyncStore): SyncStore {
  const write = store.write.bind(store);
  store.write = async (namespace, record) => {
    const [sentAt, { fence, left }] = [Date.now(), leaseView()];
    const report = (accepted: boolean | 'error') =>
      send({ type: 'write', tag: record.tag, fence: record.fence, leaseFence: fence, left, sentAt, accepted });
    try {
      const result = await write(namespace, record);
      report(result.accepted);
      return result;
    } catch (error) {
      report('error');
      throw error;
    }
  };
  return store;
}

let open = 0;
const asked = { pauseWhenIdle: false, pauseInData: false, stallInData: 0 };
const pauseSelf = () => process.kill(process.pid, 'SIGSTOP'); // the runner sends SIGCONT

function pauseIfIdle() {
  if (open > 0 || !asked.pauseWhenIdle) return;
  asked.pauseWhenIdle = false;
  pauseSelf();
}

/** Blocks the event loop for `ms` with JSON work on a large document, as parsing a huge DATA does. */
function stall(ms: number) {
  const from = Date.now();
  const doc = Array.from({ length: 20_000 }, (_, i) => ({ i, name: `item-${i}`, tags: ['a', 'b', 'c'] }));
  while (Date.now() - from < ms) JSON.parse(JSON.stringify(doc));
  send({ type: 'stalled', from, to: Date.now() });
}

/** Call at a callback's start (after its line in calls.log): runs a pause or stall asked for its DATA. */
export function callbackStarted(data: boolean): void {
  open++;
  if (data && asked.pauseInData) {
    asked.pauseInData = false;
    pauseSelf();
  }
  if (data && asked.stallInData) {
    const ms = asked.stallInData;
    asked.stallInData = 0;
    stall(ms);
  }
}

/** Call when a callback ends (after its line in calls.log). */
export function callbackEnded(): void {
  if (--open === 0 && asked.pauseWhenIdle) setImmediate(pauseIfIdle);
}

/** Handles the runner's fault requests (see pause.faults.ts); other messages are ignored. */
export function onChaosMessage(message: { type: string; ms?: number }): void {
  if (message.type === 'pause-when-idle') {
    asked.pauseWhenIdle = true;
    pauseIfIdle();
  }
  if (message.type === 'pause-in-data') asked.pauseInData = true;
  if (message.type === 'stall-in-data') asked.stallInData = message.ms ?? 0;
  if (message.type === 'cancel-faults') {
    Object.assign(asked, { pauseWhenIdle: false, pauseInData: false, stallInData: 0 });
    // IPC keeps order: a pause or stall that ran before this message is seen before this reply.
    send({ type: 'cancelled' });
  }
}
