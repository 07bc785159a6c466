import { statfsSync } from 'node:fs';

/**
 * `statfs` magic numbers of network file systems (linux/magic.h). SQLite's POSIX
 * locks and its mmap'd `-shm` index are not coherent across hosts on these,
 * so two workers could both believe they hold the lease.
 */
const NETWORK_FILE_SYSTEMS = new Map<number, string>([
  [0x6969, 'NFS'],
  [0x517b, 'SMB'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
]);

/** The name of the network file system a `statfs` type stands for, or `undefined` for a local one. */
export function networkFileSystemKind(type: number | bigint): string | undefined {
  // Some platforms report f_type as a signed 32-bit value: 0xFF534D42 then arrives negative.
  return NETWORK_FILE_SYSTEMS.get(Number(BigInt.asUintN(32, BigInt(type))));
}

/**
 * The kind of network file system `directory` lives on, or `undefined` when it is local.
 * Throws what `statfs` throws (e.g. ENOENT for a missing directory).
 */
export function networkFileSystemOf(directory: string): string | undefined {
  return networkFileSystemKind(statfsSync(directory).type);
}
