/**
 * The throw-away PostgreSQL of a test or a chaos run: initdb into a temp directory, a
 * postmaster on a free loopback port with its unix socket in that directory too (the shared
 * server is never touched), crash-stops (`pg_ctl stop -m immediate`: crash recovery from the
 * WAL keeps committed rows) and pg_terminate_backend on the library's connections. The server
 * binaries refuse to run as root, so as root every command runs as the postgres user and the
 * directory is handed to it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

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

/** A PostgreSQL cluster started, crashed and restarted by one test file or chaos run. */
export class PostgresServer {
  /**
   * A small pool for probes and connection cuts, under an application_name of its own so
   * that the cuts (which target the library's connections) leave it alone.
   */
  readonly control: pg.Pool;
  private readonly data: string;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly bin: string,
  ) {
    this.data = join(dir, 'data');
    this.control = new pg.Pool({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
      max: 2,
      application_name: 'vsync-test-control',
      connectionTimeoutMillis: 1_000,
      query_timeout: 2_000,
      idleTimeoutMillis: 1_000,
    });
    this.control.on('error', () => undefined); // idle clients die at each restart; the pool drops them
  }

  /** initdb (trust authentication, loopback only) and start; resolves once it accepts connections. */
  static async start(): Promise<PostgresServer> {
    const bin = findPostgresBin();
    if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin');
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'vsync-pg-'));
    mkdirSync(join(dir, 'socket'));
    if (isRoot) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout);
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout);
      for (const path of [dir, join(dir, 'socket')]) chownSync(path, uid, gid);
    }
    const server = new PostgresServer(port, dir, bin);
    try {
      const initdb = [
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
      ];
      await run(...asPostgres(bin, 'initdb', initdb));
      await server.launch();
    } catch (error) {
      await server.dispose();
      throw error;
    }
    return server;
  }

  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication: any password is ignored). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Crashes the server (`pg_ctl stop -m immediate`); committed rows survive in the WAL. */
  async stop(): Promise<void> {
    await run(...asPostgres(this.bin, 'pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w'])).catch(
      () => undefined, // already stopped
    );
  }

  /** The same crash, synchronously: for an 'exit' handler of last resort. */
  stopSync(): void {
    spawnSync(...asPostgres(this.bin, 'pg_ctl', ['stop', '-D', this.data, '-m', 'immediate', '-w']), {
      stdio: 'ignore',
    });
  }

  /** Crashes the server and starts it again on the same port; resolves once it accepts connections. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Terminates every connection of the library (application_name `nestjs-version-sync:…`); resolves with how many. */
  async cutConnections(): Promise<number> {
    const { rows } = await this.control.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name LIKE 'nestjs-version-sync:%' AND pid <> pg_backend_pid()) AS killed`,
    );
    return rows[0].n;
  }

  /** Stops the server and removes its directory. Idempotent. */
  async dispose(): Promise<void> {
    await this.control.end().catch(() => undefined);
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
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
    const log = join(this.dir, 'server.log');
    await run(
      ...asPostgres(this.bin, 'pg_ctl', ['start', '-D', this.data, '-l', log, '-w', '-t', '60', '-o', options]),
    );
  }
}
