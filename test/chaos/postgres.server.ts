/**
 * The chaos run's view of its own PostgreSQL (test/support/postgres.server.ts): restarts by
 * `pg_ctl stop -m immediate` + start, i.e. crash recovery from the WAL (committed rows
 * survive), and pg_terminate_backend on the library's connections.
 */
import { rmSync } from 'node:fs';
import { PostgresServer } from '../support/postgres.server.js';
import { onExit } from './chaos.cleanup.js';
import { CHAOS_NAMESPACE, type ChaosStore, holderPid, type StoreProbe } from './chaos.store.js';

/** A PostgreSQL cluster started, crashed and restarted by a chaos run. */
export class ChaosPostgresServer implements ChaosStore {
  readonly backend = 'postgres';
  readonly hasServer = true;
  /** `pg_ctl stop -m immediate` is a crash, but the WAL keeps every committed row. */
  readonly persistent = true;
  readonly description: string;
  readonly env: Record<string, string>;
  private readonly unregister: () => void;

  private constructor(private readonly server: PostgresServer) {
    this.description = `own PostgreSQL on 127.0.0.1:${server.port}, restarts by pg_ctl stop -m immediate (crash recovery keeps committed rows)`;
    this.env = { SYNC_POSTGRES_URL: server.url, SYNC_PG_SCHEMA: CHAOS_NAMESPACE };
    this.unregister = onExit(() => {
      this.server.stopSync();
      rmSync(this.server.dir, { recursive: true, force: true });
    });
  }

  /** initdb (trust authentication, loopback only) and start. */
  static async start(): Promise<ChaosPostgresServer> {
    return new ChaosPostgresServer(await PostgresServer.start());
  }

  restart(): Promise<void> {
    return this.server.restart();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Starts the stopped server again on the same port. */
  start(): Promise<void> {
    return this.server.restart();
  }

  cutConnections(): Promise<number> {
    return this.server.cutConnections();
  }

  async probe(): Promise<StoreProbe | undefined> {
    const sentAt = Date.now();
    const result = await this.server.control
      .query<{ kind: string; key: string; fence: string }>(
        `SELECT 'lease' AS kind, holder AS key, fence FROM "${CHAOS_NAMESPACE}".sync_leases WHERE name = $1 AND expires_at > clock_timestamp()
         UNION ALL SELECT 'record', tag, fence FROM "${CHAOS_NAMESPACE}".sync_snapshots WHERE namespace = $1`,
        [CHAOS_NAMESPACE],
      )
      .catch(() => undefined); // down, or the tables are not created yet
    const receivedAt = Date.now();
    if (!result) return undefined;
    const probe: StoreProbe = { sentAt, receivedAt, fences: new Map() };
    for (const row of result.rows) {
      if (row.kind === 'lease') probe.lease = { fence: Number(row.fence), pid: holderPid(row.key) };
      else probe.fences.set(row.key, Number(row.fence));
    }
    return probe;
  }

  async dispose(): Promise<void> {
    await this.server.dispose();
    this.unregister();
  }
}
