import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { InvalidSyncOptionsError, SyncConnectionError, SyncStoreFormatError } from '../../lib/backend/index.js';
import { SqliteSyncLock, SqliteSyncStore } from '../../lib/backends/sqlite/index.js';
import { networkFileSystemKind, networkFileSystemOf } from '../../lib/backends/sqlite/sqlite-file-system.js';
import { useTempDir } from './sqlite-test.helper.js';

const record = (tag: string, version: string | number, data: unknown = { version }) => ({
  tag,
  version,
  data,
  modifiedAt: 1,
  checkedAt: 1,
  fence: 1,
});

describe('SQLite backends: options and faults', () => {
  const temp = useTempDir();

  it('rejects bad options with an InvalidSyncOptionsError naming the option', () => {
    const cases: [string, () => unknown][] = [
      ['path', () => new SqliteSyncStore({})],
      ['path', () => new SqliteSyncLock({ path: '  ' })],
      ['path', () => new SqliteSyncStore({ path: ':memory:' })],
      ['path', () => new SqliteSyncStore({ path: 'x.db', database: new Database(':memory:') })],
      ['database', () => new SqliteSyncLock({ database: {} as never })],
      ['tablePrefix', () => new SqliteSyncStore({ path: 'x.db', tablePrefix: 'a-b' })],
      ['timeout', () => new SqliteSyncLock({ path: 'x.db', timeout: 0 })],
      ['busyTimeout', () => new SqliteSyncLock({ path: 'x.db', timeout: 100, busyTimeout: 200 })],
      ['serializer', () => new SqliteSyncStore({ path: 'x.db', serializer: {} as never })],
      ['watch', () => new SqliteSyncStore({ path: 'x.db', watch: 'yes' as never })],
      ['pollInterval', () => new SqliteSyncStore({ path: 'x.db', pollInterval: -1 })],
      ['options', () => new SqliteSyncStore(null as never)],
    ];
    for (const [option, build] of cases) {
      assert.throws(build, (error: unknown) => error instanceof InvalidSyncOptionsError && error.option === option);
    }
  });

  it('recognises network file systems by their statfs type (NFS, SMB, CIFS, SMB2) and passes the local disk', () => {
    assert.equal(networkFileSystemKind(0x6969), 'NFS');
    assert.equal(networkFileSystemKind(0x517b), 'SMB');
    assert.equal(networkFileSystemKind(0xff534d42), 'CIFS');
    assert.equal(networkFileSystemKind(0xfe534d42 | 0), 'SMB2', 'a signed 32-bit f_type');
    assert.equal(networkFileSystemKind(0xef53), undefined, 'ext4');
    assert.equal(networkFileSystemOf(temp.dir), undefined);
  });

  it('opens the file in WAL mode with its tables, and closes only a connection it opened', async () => {
    const path = temp.file();
    const store = new SqliteSyncStore({ path });
    await store.connect();
    const probe = new Database(path);
    assert.equal(probe.pragma('journal_mode', { simple: true }), 'wal');
    const tables = probe.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'sync_%'").all();
    assert.deepEqual(tables.map((t) => (t as { name: string }).name).sort(), [
      'sync_events',
      'sync_instances',
      'sync_leases',
      'sync_revisions',
      'sync_snapshots',
    ]);
    await store.close();
    await assert.rejects(
      store.read('ns', 't'),
      (e: unknown) => e instanceof SyncConnectionError && /closed/.test(String(e)),
    );
    const lock = new SqliteSyncLock({ database: probe });
    assert.ok(await lock.acquire('x', 'a', 1_000));
    await lock.close();
    assert.equal(probe.open, true, 'a passed-in database stays open');
    probe.close();
  });

  it('names the file when it is not a database or its directory is missing', async () => {
    const garbage = temp.file('garbage.db');
    writeFileSync(garbage, 'this is not an SQLite database, not at all '.repeat(100));
    for (const path of [garbage, join(temp.dir, 'missing', 'sync.db')]) {
      const lock = new SqliteSyncLock({ path });
      await assert.rejects(
        lock.connect(),
        (e: unknown) => e instanceof SyncConnectionError && e.message.includes(path),
      );
      await lock.close();
    }
  });

  it('waits out a busy database within the timeout, then fails with a SyncConnectionError, never SQLITE_BUSY', async () => {
    const path = temp.file();
    const store = new SqliteSyncStore({ path, timeout: 400 });
    await store.connect();
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    setTimeout(() => other.exec('COMMIT'), 150);
    const waited = await store.write('ns', record('t', 1));
    assert.equal(waited.accepted, true, 'a lock released within the timeout is waited for');
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    await assert.rejects(
      store.write('ns', record('t', 2)),
      (e: unknown) => e instanceof SyncConnectionError && e.message.includes(path) && /stayed locked/.test(e.message),
    );
    assert.ok(Date.now() - started >= 400);
    other.exec('ROLLBACK');
    assert.equal((await store.read('ns', 't'))?.version, 1);
    other.close();
    await store.close();
  });

  it('raises SyncStoreFormatError for data it cannot encode and a record it cannot decode', async () => {
    const path = temp.file();
    const store = new SqliteSyncStore({ path });
    await assert.rejects(store.write('ns', record('big', 1, { n: 1n })), SyncStoreFormatError);
    await assert.rejects(
      store.write(
        'ns',
        record('fn', 1, () => 1),
      ),
      SyncStoreFormatError,
    );
    const odd = new SqliteSyncStore({ path, serializer: { encode: () => 5 as never, decode: () => 1 } });
    await assert.rejects(odd.write('ns', record('t', 1)), SyncStoreFormatError);
    await store.write('ns', record('good', 1));
    await store.write('ns', record('bad', 1));
    const raw = new Database(path);
    raw.prepare("UPDATE sync_snapshots SET data = '{not json' WHERE tag = 'bad'").run();
    await assert.rejects(
      store.read('ns', 'bad'),
      (e: unknown) => e instanceof SyncStoreFormatError && e.tag === 'bad' && e.message.includes('"bad"'),
    );
    assert.equal((await store.read('ns', 'good'))?.version, 1);
    raw.prepare("UPDATE sync_snapshots SET version = '[1]', data = '{}' WHERE tag = 'bad'").run();
    await assert.rejects(
      store.read('ns', 'bad'),
      (e: unknown) => e instanceof SyncStoreFormatError && e.tag === 'bad' && /stored version \[1\]/.test(e.message),
      'a foreign version is a format error of that record too',
    );
    const heads = await store.heads('ns');
    assert.equal(heads.get('good')?.version, 1, 'a foreign row does not hide the others');
    assert.deepEqual(heads.get('bad')?.version, [1], 'left for the engine to report as corrupt');
    raw.close();
    await Promise.all([store.close(), odd.close()]);
  });

  it('round-trips a custom serializer through a BLOB', async () => {
    const serializer = {
      encode: (data: unknown) => Buffer.from(JSON.stringify(data)).reverse(),
      decode: (raw: Buffer) => JSON.parse(Buffer.from(raw).reverse().toString()) as unknown,
    };
    const store = new SqliteSyncStore({ path: temp.file(), serializer });
    await store.write('ns', record('t', 'v', { a: [1, 2] }));
    assert.deepEqual((await store.read('ns', 't'))?.data, { a: [1, 2] });
    await store.close();
  });

  it('learns of another connection\u2019s commit through the file watch, long before its poll timer', async () => {
    const dir = join(temp.dir, 'watch');
    mkdirSync(dir);
    const path = join(dir, 'sync.db');
    const writer = new SqliteSyncStore({ path, watch: false });
    const watcher = new SqliteSyncStore({ path, pollInterval: 60_000 });
    await writer.connect();
    const seen: number[] = [];
    const subscription = await watcher.subscribe('ns', () => seen.push(Date.now()));
    const started = Date.now();
    await writer.write('ns', record('t', 1));
    while (seen.length === 0 && Date.now() - started < 2_000) await new Promise((r) => setTimeout(r, 1));
    assert.equal(seen.length, 1, 'the change event arrived');
    assert.ok(seen[0] - started < 1_000, `after ${seen[0] - started} ms`);
    await subscription.unsubscribe();
    await Promise.all([writer.close(), watcher.close()]);
  });
});
