import { performance } from 'node:perf_hooks';
import type { SyncHeartbeat } from '../../backend/sync-heartbeat.interface.js';

interface Kept {
  readonly json: string;
  readonly expiresAt: number;
}

/**
 * Heartbeats of the in-memory store: one map per namespace, expiry on the monotonic clock.
 * Beats are kept as JSON, as a remote store would keep them, so readers get copies.
 */
export class MemoryHeartbeats {
  private readonly namespaces = new Map<string, Map<string, Kept>>();

  beat(namespace: string, beat: SyncHeartbeat, ttlMs: number): void {
    const beats = this.space(namespace);
    const now = performance.now();
    for (const [instance, kept] of beats) if (kept.expiresAt <= now) beats.delete(instance);
    beats.set(beat.instance, { json: JSON.stringify(beat), expiresAt: now + ttlMs });
  }

  /** Extends a live beat by `ttlMs`, its JSON untouched; an expired one stays expired (false). */
  renew(namespace: string, instance: string, ttlMs: number): boolean {
    const beats = this.space(namespace);
    const kept = beats.get(instance);
    const now = performance.now();
    if (!kept || kept.expiresAt <= now) return false;
    beats.set(instance, { json: kept.json, expiresAt: now + ttlMs });
    return true;
  }

  instances(namespace: string): SyncHeartbeat[] {
    const now = performance.now();
    return [...this.space(namespace).values()]
      .filter((kept) => kept.expiresAt > now)
      .map((kept) => JSON.parse(kept.json) as SyncHeartbeat);
  }

  leave(namespace: string, instance: string): void {
    this.space(namespace).delete(instance);
  }

  private space(namespace: string): Map<string, Kept> {
    let beats = this.namespaces.get(namespace);
    if (!beats) this.namespaces.set(namespace, (beats = new Map()));
    return beats;
  }
}
