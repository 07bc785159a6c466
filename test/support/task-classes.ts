import { Injectable, type Type } from '@nestjs/common';
import { SyncTask, type SyncAction, type SyncContext, type SyncTaskOptions } from '../../lib/index.js';
import { VersionedSource } from './versioned.source.js';

/** A provider class with one `@SyncTask(tag)` method that delegates to `source`. */
export function taskFor(tag: string, source: VersionedSource, options: SyncTaskOptions = {}): Type<unknown> {
  @Injectable()
  class SourceTask {
    @SyncTask(tag, options)
    fetch(action: SyncAction, ctx: SyncContext) {
      return source.handle(action, ctx);
    }
  }
  Object.defineProperty(SourceTask, 'name', { value: `SourceTask_${tag.replace(/\W/g, '_')}` });
  return SourceTask;
}

export { VersionedSource };
