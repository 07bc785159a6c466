import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  backupFileName,
  BACKUP_EXTENSION,
  decodeBackup,
  encodeBackup,
  SyncBackupFormatError,
} from '../../lib/engine/backup/backup.format.js';
import { SeededRandom, randomSeed } from '../chaos/chaos.random.js';

const meta = (tag: string, version: string | number) => ({
  namespace: 'default',
  tag,
  version,
  modifiedAt: 1_700_000_000_000,
  checkedAt: 1_700_000_001_000,
  savedAt: 1_700_000_002_000,
});
const payloadOf = (data: unknown) => Buffer.from(JSON.stringify(data));

describe('backup file format', () => {
  it('round-trips metadata and data, and keeps the type of a version', () => {
    for (const version of [5, '5', 'v-2024', 0.5]) {
      const data = { version, items: ['a', 'é', { nested: [1, null, true] }] };
      const decoded = decodeBackup(encodeBackup(meta('flags', version), payloadOf(data)), 'default', 'flags');
      assert.equal(decoded.meta.version, version);
      assert.equal(typeof decoded.meta.version, typeof version);
      assert.deepEqual(decoded.data, data);
      assert.equal(decoded.meta.checkedAt, 1_700_000_001_000);
      assert.equal(decoded.meta.savedAt, 1_700_000_002_000);
    }
  });

  it('refuses a file of another tag or namespace even when its checksum is right', () => {
    const raw = encodeBackup(meta('flags', 1), payloadOf({ a: 1 }));
    assert.throws(() => decodeBackup(raw, 'default', 'prices'), /belongs to "default" \/ "flags"/);
    assert.throws(() => decodeBackup(raw, 'other', 'flags'), /belongs to/);
  });

  it('encodes tags that are not safe file names, injectively, with a hash for long ones', () => {
    const tags = [
      'flags',
      '../etc/passwd',
      '.',
      '..',
      'a/b',
      'a%2Fb',
      'a b',
      'ünï',
      'x'.repeat(200),
      'x'.repeat(199) + 'y',
    ];
    const names = tags.map(backupFileName);
    assert.equal(new Set(names).size, tags.length, 'no two tags share a file');
    for (const name of names) {
      assert.match(name, /^[A-Za-z0-9_%~-]+\.snapshot$/, name);
      assert.ok(name.length <= 150 + BACKUP_EXTENSION.length, `${name.length} characters`);
    }
    assert.equal(backupFileName('flags'), 'flags.snapshot');
    assert.equal(backupFileName('../x'), '%2E%2E%2Fx.snapshot');
  });

  it('accepts none of 1,000 random corruptions of valid files (flips, truncations, garbage, format, tag)', (t) => {
    const seed = Number(process.env.BACKUP_FUZZ_SEED ?? randomSeed());
    const rng = new SeededRandom(seed);
    const kinds = ['flip', 'truncate', 'garbage', 'format-version', 'wrong-tag', 'extend'] as const;
    const counts: Record<string, number> = {};
    let accepted = 0;
    for (let i = 0; i < 1_000; i++) {
      const version = rng.int(0, 1) ? rng.int(1, 1e6) : `v${rng.int(1, 1e6)}`;
      const data = { version, items: Array.from({ length: rng.int(0, 50) }, (_, k) => `item-${k}-${rng.int(0, 1e9)}`) };
      const valid = encodeBackup(meta('flags', version), payloadOf(data));
      const kind = kinds[i % kinds.length];
      counts[kind] = (counts[kind] ?? 0) + 1;
      let bad: Buffer;
      if (kind === 'flip') {
        bad = Buffer.from(valid);
        for (let n = rng.int(1, 3); n > 0; n--) bad[rng.int(0, bad.length - 1)] ^= rng.int(1, 255);
      } else if (kind === 'truncate') {
        bad = valid.subarray(0, rng.int(0, valid.length - 1));
      } else if (kind === 'garbage') {
        // Random bytes, half of them behind a plausible first line.
        const junk = Buffer.from(Array.from({ length: rng.int(0, 2_000) }, () => rng.int(0, 255)));
        bad = rng.int(0, 1) ? Buffer.concat([valid.subarray(0, valid.indexOf(0x0a) + 1), junk]) : junk;
      } else if (kind === 'format-version') {
        // A well-formed file of another format version, checksum recomputed: refused on the version alone.
        const body = valid.subarray(valid.indexOf(0x0a) + 1);
        const digest = createHash('sha256').update(body).digest('hex');
        bad = Buffer.concat([Buffer.from(`NVSYNC-BACKUP/${rng.int(2, 99)} ${digest}\n`), body]);
      } else if (kind === 'wrong-tag') {
        bad = encodeBackup(meta(`other-${rng.int(0, 9)}`, version), payloadOf(data));
      } else {
        bad = Buffer.concat([valid, Buffer.from([rng.int(0, 255)])]);
      }
      try {
        decodeBackup(bad, 'default', 'flags');
        accepted++;
      } catch (error) {
        assert.ok(error instanceof SyncBackupFormatError, `kind ${kind}: ${String(error)}`);
      }
    }
    t.diagnostic(`seed ${seed}: ${JSON.stringify(counts)}; accepted ${accepted}`);
    assert.equal(accepted, 0, `seed ${seed}`);
  });
});
