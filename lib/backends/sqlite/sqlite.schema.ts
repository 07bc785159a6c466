import type { Database, Statement } from 'better-sqlite3';

/** Names of the five tables of a file, from the table prefix. */
export interface SqliteTables {
  /** One row per (namespace, tag): the snapshot. */
  snapshots: string;
  /** One row per namespace: its change counter. */
  revisions: string;
  /** One row per lease name. */
  leases: string;
  /** The event log that stands in for a pub/sub channel: subscribers read rows newer than their cursor. */
  events: string;
  /** One row per live process: its heartbeat (the fleet view). */
  instances: string;
}

/** The table names for `prefix` (already checked to be a plain identifier). */
export function sqliteTables(prefix: string): SqliteTables {
  return {
    snapshots: `${prefix}_snapshots`,
    revisions: `${prefix}_revisions`,
    leases: `${prefix}_leases`,
    events: `${prefix}_events`,
    instances: `${prefix}_instances`,
  };
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The DDL, run once per connection inside one `BEGIN IMMEDIATE`. The store and the
 * lock create every table, so a file is complete whichever opens it first.
 * Times are epoch ms from `Date.now()`: every process shares the host's clock.
 */
export function sqliteSchemaSql(t: SqliteTables): string {
  return `CREATE TABLE IF NOT EXISTS ${q(t.snapshots)} (
  namespace   TEXT    NOT NULL,
  tag         TEXT    NOT NULL,
  version     TEXT    NOT NULL,   -- JSON: 5 and "5" stay apart
  data        BLOB    NOT NULL,   -- JSON text (default serializer) or the bytes of a custom one; BLOB affinity keeps either as is
  modified_at INTEGER NOT NULL,
  checked_at  INTEGER NOT NULL,
  fence       INTEGER NOT NULL,   -- highest fencing token accepted for this tag
  revision    INTEGER NOT NULL,   -- namespace revision of the last accepted write
  PRIMARY KEY (namespace, tag)
);
CREATE TABLE IF NOT EXISTS ${q(t.revisions)} (
  namespace TEXT    PRIMARY KEY,
  revision  INTEGER NOT NULL      -- +1 per accepted write in the namespace
);
CREATE TABLE IF NOT EXISTS ${q(t.leases)} (
  name       TEXT    PRIMARY KEY,
  holder     TEXT    NOT NULL,
  fence      INTEGER NOT NULL,    -- +1 per acquisition, never reset (release only expires the row)
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ${q(t.events)} (
  id         INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: an id is never reused after a prune
  namespace  TEXT    NOT NULL,
  payload    TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ${q(t.instances)} (
  namespace  TEXT    NOT NULL,
  instance   TEXT    NOT NULL,
  beat       TEXT    NOT NULL,    -- JSON: versions and metadata, never data
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, instance)
);`;
}

/** The prepared statements of one connection; every value is bound, every name quoted. */
export interface SqliteStatements {
  read: Statement;
  fence: Statement;
  bump: Statement;
  upsert: Statement;
  touch: Statement;
  revision: Statement;
  heads: Statement;
  publish: Statement;
  events: Statement;
  lastEvent: Statement;
  prune: Statement;
  acquire: Statement;
  renew: Statement;
  release: Statement;
  current: Statement;
  beat: Statement;
  renewBeat: Statement;
  instances: Statement;
  leave: Statement;
  expire: Statement;
}

/** Prepares the statements of a connection once its tables exist. */
export function prepareStatements(db: Database, t: SqliteTables): SqliteStatements {
  const [snapshots, revisions, leases, events, instances] = [
    t.snapshots,
    t.revisions,
    t.leases,
    t.events,
    t.instances,
  ].map(q);
  const head = 'version, modified_at, checked_at, fence, revision';
  return {
    read: db.prepare(`SELECT ${head}, data FROM ${snapshots} WHERE namespace = ? AND tag = ?`),
    fence: db.prepare(`SELECT fence FROM ${snapshots} WHERE namespace = ? AND tag = ?`),
    bump: db.prepare(
      `INSERT INTO ${revisions} (namespace, revision) VALUES (?, 1)
ON CONFLICT (namespace) DO UPDATE SET revision = revision + 1 RETURNING revision`,
    ),
    upsert: db.prepare(
      `INSERT INTO ${snapshots} (namespace, tag, version, data, modified_at, checked_at, fence, revision)
VALUES (@namespace, @tag, @version, @data, @modifiedAt, @checkedAt, @fence, @revision)
ON CONFLICT (namespace, tag) DO UPDATE SET version = excluded.version, data = excluded.data,
  modified_at = excluded.modified_at, checked_at = excluded.checked_at, fence = excluded.fence, revision = excluded.revision`,
    ),
    touch: db.prepare(
      `UPDATE ${snapshots} SET checked_at = @checkedAt, fence = @fence
WHERE namespace = @namespace AND tag = @tag AND fence <= @fence AND version = @version`,
    ),
    revision: db.prepare(`SELECT revision FROM ${revisions} WHERE namespace = ?`),
    heads: db.prepare(`SELECT tag, ${head} FROM ${snapshots} WHERE namespace = ?`),
    publish: db.prepare(`INSERT INTO ${events} (namespace, payload, created_at) VALUES (?, ?, ?)`),
    events: db.prepare(`SELECT id, namespace, payload FROM ${events} WHERE id > ? ORDER BY id LIMIT 1000`),
    lastEvent: db.prepare(`SELECT coalesce(max(id), 0) AS id FROM ${events}`),
    prune: db.prepare(`DELETE FROM ${events} WHERE created_at < ?`),
    // The first lease of a name, or the takeover of an expired one; a live lease makes the WHERE false: no row.
    acquire: db.prepare(
      `INSERT INTO ${leases} (name, holder, fence, expires_at) VALUES (@name, @holder, 1, @expiresAt)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, fence = fence + 1, expires_at = excluded.expires_at
WHERE expires_at <= @now RETURNING fence`,
    ),
    renew: db.prepare(
      `UPDATE ${leases} SET expires_at = @expiresAt
WHERE name = @name AND holder = @holder AND fence = @fence AND expires_at > @now`,
    ),
    // Expires the row (at 0, so no clock step can revive it) instead of deleting it: the fence keeps growing.
    release: db.prepare(
      `UPDATE ${leases} SET expires_at = 0 WHERE name = @name AND holder = @holder AND fence = @fence AND expires_at > @now`,
    ),
    current: db.prepare(`SELECT holder, fence, expires_at FROM ${leases} WHERE name = ? AND expires_at > ?`),
    beat: db.prepare(
      `INSERT INTO ${instances} (namespace, instance, beat, expires_at) VALUES (@namespace, @instance, @beat, @expiresAt)
ON CONFLICT (namespace, instance) DO UPDATE SET beat = excluded.beat, expires_at = excluded.expires_at`,
    ),
    renewBeat: db.prepare(
      `UPDATE ${instances} SET expires_at = @expiresAt WHERE namespace = @namespace AND instance = @instance AND expires_at > @now`,
    ),
    instances: db.prepare(`SELECT beat FROM ${instances} WHERE namespace = ? AND expires_at > ?`),
    leave: db.prepare(`DELETE FROM ${instances} WHERE namespace = ? AND instance = ?`),
    expire: db.prepare(`DELETE FROM ${instances} WHERE expires_at <= ?`),
  };
}
