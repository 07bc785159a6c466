import { Inject, Injectable, Logger } from '@nestjs/common';
import { readFile, readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { SYNC_OPTIONS } from '../../sync.constants.js';
import type { NormalizedSyncOptions } from '../../interfaces/sync-options.interface.js';
import { SyncReplicaState, type SyncTaskState } from '../replica.state.js';
import { checkSchema } from '../schema.check.js';
import { decodeBackup, SyncBackupFormatError } from './backup.format.js';
import { BACKUP_DIR_FAILED, BACKUP_INVALID, BACKUP_LOADED, BACKUP_SKIPPED, BACKUP_TOO_OLD } from './backup.messages.js';
import { SyncBackupWriter } from './backup.writer.js';

/**
 * Loads each task's backup at start, before the first contact with the store or the source, and installs
 * it as `origin: 'backup'` — only when its checksum, its tag and namespace, its format version, the task's
 * schema (when there is one) and `backup.maxAge` all pass. Anything else is skipped with a warning naming
 * the file; nothing here throws.
 */
@Injectable()
export class SyncBackupLoader {
  private readonly logger = new Logger('SyncModule');

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly state: SyncReplicaState,
    private readonly writer: SyncBackupWriter,
  ) {}

  /** Loads what it can; resolves with how many tasks now serve backup data. */
  async load(): Promise<number> {
    const { dir } = this.options.backup!;
    this.writer.prepare();
    let names: Set<string>;
    try {
      names = new Set(await readdir(dir));
    } catch (error) {
      // No directory yet is the first start; anything else is worth a line, never a failed bootstrap.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn(BACKUP_DIR_FAILED(dir, error));
      return 0;
    }
    const states = this.state.all().filter((state) => names.has(basename(state.backup!.file)));
    const loaded = await Promise.all(states.map((state) => this.loadOne(state)));
    return loaded.filter(Boolean).length;
  }

  private async loadOne(state: SyncTaskState): Promise<boolean> {
    const { tag } = state.task;
    const { file } = state.backup!;
    try {
      const { meta, data } = decodeBackup(await readFile(file), this.options.name, tag);
      const age = Date.now() - meta.checkedAt;
      if (age > this.options.backup!.maxAge)
        throw new SyncBackupFormatError(BACKUP_TOO_OLD(age, this.options.backup!.maxAge));
      // The task's schema, as for a record read from the store: a file that fails it is skipped.
      const accepted = await checkSchema(state.task, data, (issues) => BACKUP_INVALID(issues));
      if (
        !this.state.installBackup(tag, {
          version: meta.version,
          modifiedAt: meta.modifiedAt,
          checkedAt: meta.checkedAt,
          data: accepted,
          source: accepted === data ? undefined : data,
        })
      ) {
        return false;
      }
      this.writer.remember(tag, meta.version, meta.checkedAt);
      state.backup = { ...state.backup!, savedAt: new Date(meta.savedAt) };
      this.logger.log(BACKUP_LOADED(tag, file, meta.version, age));
      return true;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.logger.warn(BACKUP_SKIPPED(tag, file, why));
      return false;
    }
  }
}
