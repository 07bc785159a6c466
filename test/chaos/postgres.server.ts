/**
 * The chaos run's view of its own PostgreSQL (test/support/postgres.server.ts): restarts by
 * `pg_ctl stop -m immediate` + start, i.e. crash recovery from the WAL (committed rows
 * survive), and pg_terminate_backend on the library's connections.
 */
import { PostgresServer } from '../support/postgres.server.js';
import { ChaosServerStore } from './chaos-server.store.js';
import { CHAOS_NAMESPACE, holderPid, type StoreProbe } from './chaos.store.js';

/** A PostgreSQL cluster started, crashed and restarted by a chaos run. */
export class ChaosPostgresServer extends ChaosServerStore<PostgresServer> {
  readonly backend = 'postgres';
  /** `pg_ctl stop -m immediate` is a crash, but the WAL keeps every committed row. */
  readonly persistent = true;
  readonly description: string;
  readonly env: Record<string, string>;

  private constructor(server: PostgresServer) {
    super(server, () => server.stopSync());
    this.description = `own PostgreSQL on 127.0.0.1:${server.port}, restarts by pg_ctl stop -m immediate (crash recovery keeps committed rows)`;
    this.env = { SYNC_POSTGRES_URL: server.url, SYNC_PG_SCHEMA: CHAOS_NAMESPACE };
  }

  /** initdb (trust authentication, loopback only) and start. */
  static async start(): Promise<ChaosPostgresServer> {
    return new ChaosPostgresServer(await PostgresServer.start());
  }

  get address(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.server.port };
  }

  proxiedEnv(port: number): Record<string, string> {
    return { SYNC_POSTGRES_URL: `postgres://postgres@127.0.0.1:${port}/postgres` };
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
}
