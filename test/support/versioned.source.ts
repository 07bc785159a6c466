import type { SyncAction, SyncContext } from '../../lib/index.js';

/** A controllable source: a version the test moves, data derived from it, and a log of every call. */
export class VersionedSource {
  version: string | number = 1;
  readonly calls: { action: SyncAction; at: number; ctx: SyncContext }[] = [];
  /** Replace to make the next calls fail or stall. */
  behaviour: (action: SyncAction, ctx: SyncContext) => unknown = (action) =>
    action === 'version' ? this.version : { version: this.version, items: [`item-${this.version}`] };

  handle(action: SyncAction, ctx: SyncContext): unknown {
    this.calls.push({ action, at: Date.now(), ctx });
    return this.behaviour(action, ctx);
  }

  count(action: SyncAction): number {
    return this.calls.filter((c) => c.action === action).length;
  }
}
