/**
 * The live status page (subpath `nestjs-version-sync/status`): `SyncStatusModule.register({ path, guard })`
 * serves an HTML page, its JSON and a server-sent-events stream. Off unless imported.
 */
export { SyncStatusModule } from './status.module.js';
export type { SyncStatusOptions } from './status.module.js';
export type { SyncStatusSnapshot, SyncStatusTask } from './status.snapshot.js';
