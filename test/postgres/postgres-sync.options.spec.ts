import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PostgresSyncLock, PostgresSyncStore } from '../../lib/backends/postgres/index.js';
import { InvalidSyncOptionsError, SyncConnectionError } from '../../lib/sync.errors.js';
import { describeValue } from '../../lib/backend/describe-value.util.js';
import { POSTGRES_URL, postgresSkip } from '../support/services.js';

const skip = await postgresSkip();

type Options = ConstructorParameters<typeof PostgresSyncStore>[0];
const backends = [
  ['PostgresSyncStore', (options: Options) => new PostgresSyncStore(options)],
  ['PostgresSyncLock', (options: Options) => new PostgresSyncLock(options)],
] as const;

/** Asserts `build` throws an InvalidSyncOptionsError naming `option` and showing `value`. */
function assertInvalid(build: () => unknown, option: string, value: unknown): void {
  assert.throws(build, (error: Error) => {
    assert.ok(error instanceof InvalidSyncOptionsError, `${error.name}: ${error.message}`);
    assert.equal(error.option, option);
    assert.ok(error.message.includes(`"${option}"`), error.message);
    assert.ok(error.message.includes(describeValue(value)), `${error.message} should show ${describeValue(value)}`);
    return true;
  });
}

/** Asserts `promise` rejects with a SyncConnectionError within `ms`, and returns its message. */
async function connectionError(promise: Promise<unknown>, ms = 5_000): Promise<string> {
  const started = Date.now();
  const error = await promise.then(
    () => assert.fail('connect() resolved'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof SyncConnectionError, String(error));
  assert.ok(Date.now() - started < ms, `took ${Date.now() - started} ms`);
  return error.message;
}

describe('PostgreSQL backends: bad input', { skip }, () => {
  for (const [name, create] of backends) {
    describe(name, () => {
      it('rejects schema and table names that are not plain identifiers', () => {
        const names = ['a"; DROP TABLE x; --', 'has space', '', 'x'.repeat(64), '1starts_with_digit', 42];
        for (const value of names) {
          assertInvalid(() => create({ connectionString: POSTGRES_URL, schema: value as string }), 'schema', value);
          assertInvalid(
            () => create({ connectionString: POSTGRES_URL, table: value as string } as Options),
            'table',
            value,
          );
        }
      });

      it('rejects a pool that is not a pg Pool, and a missing or doubled connection', () => {
        assertInvalid(() => create({ pool: {} as never }), 'pool', {});
        assertInvalid(() => create({}), 'pool', undefined);
        assertInvalid(() => create(undefined as never), 'options', undefined);
        assertInvalid(() => create({ connectionString: '' }), 'connectionString', '');
        assert.throws(
          () => create({ pool: {} as never, connectionString: 'postgres://u:hunter2@h/db' }),
          (e: Error) =>
            e instanceof InvalidSyncOptionsError &&
            !e.message.includes('hunter2') &&
            e.message.includes('postgres://u:***@h/db'),
        );
        assertInvalid(() => create({ connectionString: POSTGRES_URL, queryTimeout: -1 }), 'queryTimeout', -1);
        assertInvalid(
          () => create({ connectionString: POSTGRES_URL, connectTimeout: Number.NaN }),
          'connectTimeout',
          Number.NaN,
        );
      });

      it('rejects an unreachable database on connect() within seconds, naming the redacted URL', async () => {
        const backend = create({ connectionString: 'postgres://postgres:hunter2@127.0.0.1:1/test' });
        const message = await connectionError(backend.connect!());
        assert.ok(message.includes('postgres://postgres:***@127.0.0.1:1/test'), message);
        assert.match(message, /ECONNREFUSED/);
        assert.match(message, /Check that PostgreSQL runs at that host and port/);
        assert.ok(!message.includes('hunter2'), message);
        await backend.close();
      });

      it('rejects wrong credentials without showing the password', async () => {
        const backend = create({ connectionString: 'postgres://nosuchuser:s3cr3t-pw@127.0.0.1:5432/test' });
        const message = await connectionError(backend.connect!());
        assert.ok(message.includes('postgres://nosuchuser:***@127.0.0.1:5432/test'), message);
        assert.match(message, /role "nosuchuser" does not exist/);
        assert.ok(!message.includes('s3cr3t-pw'), message);
        await backend.close();
      });

      it('rejects a database that does not exist, saying so', async () => {
        const backend = create({ connectionString: 'postgres://postgres@127.0.0.1:5432/no_such_database_vsync' });
        const message = await connectionError(backend.connect!());
        assert.match(message, /no_such_database_vsync.*does not exist.*create it or fix the database name/);
        await backend.close();
      });
    });
  }

  it('rejects a serializer without encode/decode', () => {
    assertInvalid(
      () => new PostgresSyncStore({ connectionString: POSTGRES_URL, serializer: { encode: JSON.stringify } as never }),
      'serializer',
      {
        encode: JSON.stringify,
      },
    );
  });

  it('quotes every name it is given, so a valid but unusual name is safe', () => {
    const sql = PostgresSyncStore.schemaSql({ schema: 'Select', table: 'from_', revisionTable: 'Where' });
    assert.match(sql, /CREATE SCHEMA IF NOT EXISTS "Select";/);
    assert.match(sql, /"Select"\."from_"/);
    assert.match(sql, /"Select"\."Where"/);
    assert.doesNotMatch(PostgresSyncStore.schemaSql(), /CREATE SCHEMA/, 'public is not re-created');
  });
});
