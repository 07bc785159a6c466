/**
 * The pause faults of a chaos run, each on the leader for 2 × lease TTL:
 * - `stop-leader`: SIGSTOP at a moment no callback is open. The instance stops itself on request
 *   (test/fixtures/instance.ts) in a macrotask of its own, so the pause can never land between the
 *   module's lease check and the call it guards, nor between a call's timestamp and its log line:
 *   a SIGSTOP sent from outside can (see the README of this directory).
 * - `stop-in-callback`: SIGSTOP inside the leader's next DATA call (after its start is in
 *   calls.log): the fence, and the lease re-check before the write, must keep its write out.
 * - `stall-leader`: the next DATA call blocks the event loop synchronously (JSON work on a large
 *   document); the process keeps running but runs nothing else, its watchdog included.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Instance } from '../support/cluster.js';
import type { FaultTargets } from './fault.injector.js';

/** A pause or stall of one process, as it happened. */
export interface PauseRecord {
  kind: 'stop-leader' | 'stop-in-callback' | 'stall-leader';
  pid: number;
  /** When the process was seen stopped (or the stall began) and resumed (or the stall ended). */
  from: number;
  to: number;
}

/** How long a fault waits for the leader's next DATA call. */
const DATA_CALL_WAIT_MS = 5_000;

/** Whether `pid` is in the stopped state (Linux /proc); false when it cannot tell. */
export function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] === 'T';
  } catch {
    return false;
  }
}

/** How long a cancelled fault waits for the instance's reply (it answers at its next turn). */
const CANCEL_WAIT_MS = 5_000;

/** Cancels what was asked of `leader`; returns whether its reply has come (see instance.probe.ts). */
function cancel(t: FaultTargets, leader: Instance): () => boolean {
  const seen = leader.events.length;
  t.cluster.tell(leader, { type: 'cancel-faults' });
  return () => leader.events.slice(seen).some((e) => (e.type as string) === 'cancelled');
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(1)) if (check()) return true;
  return check();
}

/**
 * Asks `leader` to stop itself (when idle, or inside its next DATA call), keeps it stopped for
 * 2 × TTL from the moment the kernel shows it stopped, then resumes it.
 */
export async function pauseLeader(
  t: FaultTargets,
  leader: Instance,
  kind: 'stop-leader' | 'stop-in-callback',
): Promise<PauseRecord | string> {
  t.cluster.tell(leader, { type: kind === 'stop-leader' ? 'pause-when-idle' : 'pause-in-data' });
  if (!(await until(() => isStopped(leader.pid), kind === 'stop-leader' ? 1_000 : DATA_CALL_WAIT_MS))) {
    // It may still stop before it reads the cancel: then it never replies, and the kernel shows it stopped.
    const cancelled = cancel(t, leader);
    await until(() => isStopped(leader.pid) || cancelled(), CANCEL_WAIT_MS);
    if (!isStopped(leader.pid))
      return `skipped (pid ${leader.pid} did not stop: no ${kind === 'stop-leader' ? 'idle moment' : 'DATA call'})`;
  }
  const from = Date.now();
  await sleep(t.leaseTtl * 2);
  leader.child.kill('SIGCONT');
  return { kind, pid: leader.pid, from, to: Date.now() };
}

/** Makes the leader's next DATA call block its event loop for 2 × TTL; resolves once it is over. */
export async function stallLeader(t: FaultTargets, leader: Instance): Promise<PauseRecord | string> {
  const seen = leader.events.length;
  const stalled = () => leader.events.slice(seen).find((e) => (e.type as string) === 'stalled');
  t.cluster.tell(leader, { type: 'stall-in-data', ms: t.leaseTtl * 2 });
  // The instance reports a stall when it ends.
  if (!(await until(() => !!stalled(), DATA_CALL_WAIT_MS + t.leaseTtl * 2))) {
    // A stall that began before the cancel reports its end before the reply to the cancel.
    const cancelled = cancel(t, leader);
    await until(cancelled, t.leaseTtl * 2 + CANCEL_WAIT_MS);
  }
  const event = stalled() as unknown as { from: number; to: number } | undefined;
  if (!event) return `skipped (pid ${leader.pid} made no DATA call)`;
  return { kind: 'stall-leader', pid: leader.pid, from: event.from, to: event.to };
}
