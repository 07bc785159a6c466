/**
 * The chaos run's own PostgreSQL: initdb into a temp directory, a postmaster
 * on a free loopback port with its unix socket in that directory too, crash
 * restarts (`pg_ctl stop -m immediate` + start, i.e. crash recovery from the
 * WAL: committed rows survive) and pg_terminate_backend on the library's
 * connections. The server binaries refuse to run as root, so as root every
 * command runs as the postgres user and the directory is handed to it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { onExit } from './chaos.cleanup.js';
import { CHAOS_NAMESPACE, type ChaosStore, freePort, holderPid, type StoreProbe } from './chaos.store.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/** The directory of initdb and pg_ctl (the newest /usr/lib/postgresql/N/bin), or undefined. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const dir = versions
    .map((v) => join(root, v, 'bin'))
    .find((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')));
  if (!dir || (isRoot && spawnSync('id', ['-u', 'postgres']).status !== 0)) return undefined;
  return dir;
}

/** [command, args] that runs `bin/tool args` as the postgres user when we are root. */
function asPostgres(bin: string, tool: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
}

/** A PostgreSQL cluster started, crashed and restarted by a chaos run. */
export class ChaosPostgresServer implements ChaosStore {
  readonly backend = 'postgres';
  /** `pg_ctl stop -m immediate` is a crash, but the WAL keeps every committed row. */
  readonly persistent = true;
  readonly description: string;
  readonly env: Record<string, string>;
  private readonly data: string;
  private readonly admin: pg.Pool;
  private readonly unregister: () => void;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
  ) {
    this.data = join(dir, 'data');
    this.description = `own PostgreSQL on 127.0.0.1:${port}, restarts by pg_ctl stop -m immediate (crash recovery keeps committed rows)`;
    this.env = { SYNC_POSTGRES_URL: `postgres://postgres@127.0.0.1:${port}/postgres`, SYNC_PG_SCHEMA: CHAOS_NAMESPACE };
    // Its own application_name, so the connection cuts (which target the library's) leave it alone.
    this.admin = new pg.Pool({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
      max: 2,
      application_name: 'vsync-chaos-monitor',
      connectionTimeoutMillis: 1_000,
      query_timeout: 2_000,
      idleTimeoutMillis: 1_000,
    });
    this.admin.on('error', () => undefined); // idle clients die at each restart; the pool drops them
    this.unregister = onExit(() => {
      spawnSync(...asPostgres(this.bin, 'pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w']), {
        stdio: 'ignore',
      });
      rmSync(this.dir, { recursive: true, force: true });
    });
  }

  /** initdb (trust authentication, loopback only) and start. */
  static async start(): Promise<ChaosPostgresServer> {
    const bin = findPostgresBin();
    if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin');
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'vsync-chaos-pg-'));
    mkdirSync(join(dir, 'socket'));
    if (isRoot) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout);
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout);
      for (const path of [dir, join(dir, 'socket')]) chownSync(path, uid, gid);
    }
    const server = new ChaosPostgresServer(port, dir, bin);
    await run(
      ...asPostgres(bin, 'initdb', [
        '-D',
        server.data,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--no-sync',
        '--no-instructions',
      ]),
    );
    await server.launch();
    return server;
  }

  async restart(): Promise<void> {
    await run(...asPostgres(this.bin, 'pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w']));
    await this.launch();
  }

  async stop(): Promise<void> {
    await run(...asPostgres(this.bin, 'pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w']));
  }

  start(): Promise<void> {
    return this.launch();
  }

  async cutConnections(): Promise<number> {
    const { rows } = await this.admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name LIKE 'nestjs-version-sync:%' AND pid <> pg_backend_pid()) AS killed`,
    );
    return rows[0].n;
  }

  async probe(): Promise<StoreProbe | undefined> {
    const sentAt = Date.now();
    const result = await this.admin
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
    await this.admin.end().catch(() => undefined);
    await run(...asPostgres(this.bin, 'pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w'])).catch(
      () => undefined,
    );
    rmSync(this.dir, { recursive: true, force: true });
    this.unregister();
  }

  private async launch(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${join(this.dir, 'socket')}`,
      // Durability against an OS crash is not what is tested; a process crash keeps the WAL either way.
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c max_connections=300',
    ].join(' ');
    await run(
      ...asPostgres(this.bin, 'pg_ctl', [
        'start',
        '-D',
        this.data,
        '-l',
        join(this.dir, 'server.log'),
        '-w',
        '-t',
        '60',
        '-o',
        options,
      ]),
    );
  }
}
