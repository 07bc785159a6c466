// A node:cluster worker of sqlite-workers.bench.ts: a Nest application context with TASKS tasks
// (p0, p1...; leadership polled every LEADER_POLL_MS) on BACKEND=sqlite (SQLITE_PATH, POLL_MS, WATCH)
// | redis (REDIS_URL, KEY_PREFIX) | memory.
// The store's write is timed from the moment the leader calls it. IPC to the primary: ready, leader,
// write {version, at}, installed {version, at}, call {action} (each source call), cpu {user, system, ms}.
// IPC in: set {version} (the source of every task moves), change {version} (set, and the leader checks p0 now),
// cpu {ms}, close.
import 'reflect-metadata';
import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SyncLock, SyncStore } from '../../lib/backend/index.js';
import { SyncAction, SyncModule, SyncService, SyncTask } from '../../lib/index.js';

const env = process.env;
const now = () => performance.timeOrigin + performance.now();
const send = (message: object) => process.send?.(message);
const tasks = Number(env.TASKS ?? 1);
let version = 1;

async function backend(): Promise<{ store?: SyncStore; lock?: SyncLock }> {
  if (env.BACKEND === 'sqlite') {
    const { SqliteSyncLock, SqliteSyncStore } = await import('../../lib/backends/sqlite/index.js');
    const path = env.SQLITE_PATH!;
    const store = new SqliteSyncStore({
      path,
      pollInterval: env.POLL_MS ? Number(env.POLL_MS) : undefined,
      watch: env.WATCH !== 'false',
    });
    return { store, lock: new SqliteSyncLock({ path }) };
  }
  if (env.BACKEND === 'redis') {
    const { RedisSyncLock, RedisSyncStore } = await import('../../lib/backends/redis/index.js');
    const options = { url: env.REDIS_URL!, keyPrefix: env.KEY_PREFIX! };
    return { store: new RedisSyncStore(options), lock: new RedisSyncLock(options) };
  }
  return {};
}

function timed(store: SyncStore): SyncStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'write') {
        return async (namespace: string, record: Parameters<SyncStore['write']>[1]) => {
          const at = now();
          const result = await target.write(namespace, record);
          if (record.tag === 'p0') send({ type: 'write', version: record.version, at, accepted: result.accepted });
          return result;
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function task(tag: string) {
  @Injectable()
  class BenchTask {
    @SyncTask(tag)
    fetch(action: SyncAction) {
      send({ type: 'call', action });
      return action === SyncAction.VERSION ? version : { version, items: Array.from({ length: 16 }, (_, i) => i) };
    }
  }
  return BenchTask;
}

@Injectable()
class Reporter implements OnModuleInit {
  constructor(private readonly sync: SyncService) {}
  onModuleInit() {
    this.sync.changes('p0').subscribe((s) => send({ type: 'installed', version: s.version, at: now() }));
    let leader = false;
    setInterval(
      () => {
        if (this.sync.isLeader() === leader) return;
        leader = !leader;
        send({ type: 'leader', leader });
      },
      Number(env.LEADER_POLL_MS ?? 5),
    ).unref();
  }
}

@Module({
  imports: [
    SyncModule.forRootAsync({
      useFactory: async () => {
        const { store, lock } = await backend();
        return {
          interval: Number(env.INTERVAL_MS ?? 1_000),
          leaseTtl: 5_000,
          name: env.SYNC_NAME ?? 'bench',
          ...(store ? { store: timed(store), lock } : {}),
        };
      },
    }),
  ],
  providers: [Reporter, ...Array.from({ length: tasks }, (_, i) => task(`p${i}`))],
})
class BenchModule {}

const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['warn', 'error'] });
const sync = app.get(SyncService);
await sync.whenReady();
send({ type: 'ready' });
process.on('message', async (message: { type: string; version?: number; ms?: number }) => {
  if (message.type === 'change' || message.type === 'set') {
    version = message.version!;
    if (message.type === 'change' && sync.isLeader()) await sync.refresh('p0');
  } else if (message.type === 'cpu') {
    const start = process.cpuUsage();
    const startedAt = performance.now();
    await sleep(message.ms!);
    const used = process.cpuUsage(start);
    send({ type: 'cpu', leader: sync.isLeader(), ...used, ms: performance.now() - startedAt });
  } else if (message.type === 'close') {
    await app.close();
    process.exit(0);
  }
});
