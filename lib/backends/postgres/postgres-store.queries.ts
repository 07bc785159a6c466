import { qualifiedName } from './postgres-identifiers.js';
import type { PostgresStoreTables } from './postgres.schema.js';

/** The statements of `PostgresSyncStore`, each one round trip; names quoted, values bound. */
export interface PostgresStoreQueries {
  /** $1 namespace, $2 tag. */
  read: string;
  /**
   * $1 namespace, $2 tag, $3 version (JSON), $4 data (JSON) or $5 data (bytes),
   * $6 modifiedAt, $7 checkedAt, $8 fence, $9 channel, $10 the change event's JSON up to its revision
   * (built by the store, with the data inline when small), to which the statement appends the revision.
   * Returns one row: `revision` when accepted, else NULL and `fence`, the stored one.
   */
  write: string;
  /** $1 namespace, $2 tag, $3 checkedAt, $4 fence, $5 version (JSON). Returns `result`: touched, fenced or absent. */
  touch: string;
  /**
   * $1 namespace, $2 tags, $3 checkedAts, $4 fence, $5 versions (JSON), the arrays in the order of the checks.
   * Returns one `result` per check, in that order, each as `touch` would return it alone.
   */
  touchMany: string;
  /** $1 namespace. */
  revision: string;
  /** $1 namespace. */
  heads: string;
  /** $1 namespace, $2 tag: the fence, after a write refused by a concurrent first insert. */
  fence: string;
  /** $1 channel, $2 payload. */
  publish: string;
}

/**
 * Builds the store's SQL for its tables.
 *
 * The write is one statement, so it is atomic on its own (autocommit): it
 * locks the tag's row (`FOR UPDATE` sees the newest committed fence even when
 * it had to wait for a concurrent writer), bumps the namespace counter only
 * when the fence is not older, upserts the snapshot with that revision (the
 * upsert re-checks the fence, which covers two concurrent first writes), and
 * notifies only when a row was written. NOTIFY is delivered at commit, so a
 * refused or failed write never announces a change, and the small snapshots
 * it carries inline (NOTIFY caps payloads at 8000 bytes) are committed ones.
 */
export function postgresStoreQueries({ schema, table, revisionTable }: PostgresStoreTables): PostgresStoreQueries {
  const snapshots = qualifiedName(schema, table);
  const revisions = qualifiedName(schema, revisionTable);
  // jsonb goes out as text and is parsed here, whatever type parsers a passed-in pool has set.
  const head = 'version::text AS version, modified_at, checked_at, fence, revision';
  return {
    read: `SELECT ${head}, data::text AS data, data_bytes FROM ${snapshots} WHERE namespace = $1::text AND tag = $2::text`,
    write: `WITH locked AS (
  SELECT fence FROM ${snapshots} WHERE namespace = $1::text AND tag = $2::text FOR UPDATE
), bumped AS (
  INSERT INTO ${revisions} AS r (namespace, revision)
  SELECT $1::text, 1 WHERE NOT EXISTS (SELECT 1 FROM locked WHERE fence > $8::bigint)
  ON CONFLICT (namespace) DO UPDATE SET revision = r.revision + 1
  RETURNING revision
), written AS (
  INSERT INTO ${snapshots} AS s (namespace, tag, version, data, data_bytes, modified_at, checked_at, fence, revision)
  SELECT $1::text, $2::text, $3::jsonb, $4::jsonb, $5::bytea, $6::bigint, $7::bigint, $8::bigint, revision FROM bumped
  ON CONFLICT (namespace, tag) DO UPDATE SET
    version = EXCLUDED.version, data = EXCLUDED.data, data_bytes = EXCLUDED.data_bytes,
    modified_at = EXCLUDED.modified_at, checked_at = EXCLUDED.checked_at,
    fence = EXCLUDED.fence, revision = EXCLUDED.revision
  WHERE s.fence <= EXCLUDED.fence
  RETURNING revision
)
SELECT w.revision, (SELECT fence FROM locked) AS fence,
  CASE WHEN w.revision IS NOT NULL THEN pg_notify($9::text, $10::text || w.revision::text || '}') END AS notified
FROM (SELECT 1) AS one LEFT JOIN written AS w ON true`,
    touch: `WITH touched AS (
  UPDATE ${snapshots} SET checked_at = $3::bigint, fence = $4::bigint
  WHERE namespace = $1::text AND tag = $2::text AND fence <= $4::bigint AND version = $5::jsonb
  RETURNING 1
)
SELECT CASE
  WHEN EXISTS (SELECT 1 FROM touched) THEN 'touched'
  WHEN EXISTS (SELECT 1 FROM ${snapshots} WHERE namespace = $1::text AND tag = $2::text AND fence > $4::bigint) THEN 'fenced'
  ELSE 'absent' END AS result`,
    // The same checks as touch, joined on the batch: the final SELECT sees the rows as they were before the
    // UPDATE (one statement, one snapshot), as touch's own fenced/absent lookup does.
    touchMany: `WITH batch AS (
  SELECT * FROM unnest($2::text[], $3::bigint[], $5::jsonb[]) WITH ORDINALITY AS b(tag, checked_at, version, n)
), touched AS (
  UPDATE ${snapshots} AS s SET checked_at = b.checked_at, fence = $4::bigint FROM batch AS b
  WHERE s.namespace = $1::text AND s.tag = b.tag AND s.fence <= $4::bigint AND s.version = b.version
  RETURNING s.tag
)
SELECT CASE
  WHEN t.tag IS NOT NULL THEN 'touched'
  WHEN s.fence > $4::bigint THEN 'fenced'
  ELSE 'absent' END AS result
FROM batch AS b
LEFT JOIN touched AS t ON t.tag = b.tag
LEFT JOIN ${snapshots} AS s ON s.namespace = $1::text AND s.tag = b.tag
ORDER BY b.n`,
    revision: `SELECT revision FROM ${revisions} WHERE namespace = $1::text`,
    heads: `SELECT tag, ${head} FROM ${snapshots} WHERE namespace = $1::text`,
    fence: `SELECT fence FROM ${snapshots} WHERE namespace = $1::text AND tag = $2::text`,
    publish: 'SELECT pg_notify($1::text, $2::text)',
  };
}
