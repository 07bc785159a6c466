import type { SyncHeartbeat } from '../../backend/sync-heartbeat.interface.js';
import type { SqliteConnection } from './sqlite-connection.js';

/** At most one sweep of expired beats (processes that died without leaving) per this many ms per store. */
const SWEEP_EVERY = 60_000;

/**
 * Heartbeats of `SqliteSyncStore`: one row per live process in the `<tablePrefix>_instances`
 * table of the same file, expiring on the host's clock (every worker shares it, so there is no
 * skew to guard against). A beat is one upsert in one `BEGIN IMMEDIATE`; about once a minute the
 * same transaction also deletes the rows that expired. A renewal is one UPDATE of a live row's expiry,
 * a read one SELECT of the live rows.
 */
export class SqliteHeartbeats {
  private sweptAt = 0;

  constructor(private readonly connection: SqliteConnection) {}

  async beat(namespace: string, beat: SyncHeartbeat, ttlMs: number): Promise<void> {
    const now = Date.now();
    const expiresAt = now + Math.max(1, Math.round(ttlMs));
    await this.connection.write('write a heartbeat', ({ statements }) => {
      statements.beat.run({ namespace, instance: beat.instance, beat: JSON.stringify(beat), expiresAt });
      if (now - this.sweptAt < SWEEP_EVERY) return;
      this.sweptAt = now;
      statements.expire.run(now);
    });
  }

  /** One UPDATE of a live row's expiry; an expired row stays out of the fleet until a full beat (false). */
  async renew(namespace: string, instance: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const expiresAt = now + Math.max(1, Math.round(ttlMs));
    const { changes } = await this.connection.write('renew a heartbeat', ({ statements }) =>
      statements.renewBeat.run({ namespace, instance, expiresAt, now }),
    );
    return changes === 1;
  }

  async instances(namespace: string): Promise<SyncHeartbeat[]> {
    const rows = await this.connection.run(
      'read the heartbeats',
      ({ statements }) => statements.instances.all(namespace, Date.now()) as { beat: string }[],
    );
    return rows.flatMap((row) => {
      try {
        return [JSON.parse(row.beat) as SyncHeartbeat];
      } catch {
        return []; // written behind the store's back: not a beat
      }
    });
  }

  async leave(namespace: string, instance: string): Promise<void> {
    await this.connection.write('remove a heartbeat', ({ statements }) => statements.leave.run(namespace, instance));
  }
}
