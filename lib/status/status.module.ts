import {
  type CanActivate,
  Controller,
  type DynamicModule,
  Get,
  Header,
  Module,
  Sse,
  type Type,
  UseGuards,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { InvalidSyncOptionsError } from '../sync.errors.js';
import { INVALID_OPTION } from '../sync.messages.js';
import { SyncStatusFeed } from './status.feed.js';
import { STATUS_PAGE } from './status.page.js';
import type { SyncStatusSnapshot } from './status.snapshot.js';

/** Options of `SyncStatusModule.register()`. */
export interface SyncStatusOptions {
  /** Route of the page; the JSON is at `<path>/json`, the event stream at `<path>/events`. Default `sync/status`. */
  path?: string;
  /** A Nest guard (class or instance) every route of the page goes through, e.g. an auth guard. */
  guard?: Type<CanActivate> | CanActivate;
}

function checkPath(path: unknown): string {
  if (path === undefined) return 'sync/status';
  if (typeof path !== 'string' || !/^\/?[\w\-.~/]+$/.test(path)) {
    const fix = 'Use a route path of letters, digits and "-._~/", e.g. "sync/status" or "admin/sync".';
    throw new InvalidSyncOptionsError(INVALID_OPTION('path', path, fix), 'path', path);
  }
  return path.replace(/^\/+|\/+$/g, '');
}

/**
 * The live status page of a `SyncModule` app, off unless registered: an HTML page (no CDN,
 * no front-end build), `<path>/json` and `<path>/events` (server-sent events). It shows the
 * namespace's lease, this instance's tasks and the whole fleet (every instance × every task:
 * the version it serves, lagging cells highlighted): versions and metadata only, never data.
 * Protect it with `guard`, as any admin route.
 *
 * @example SyncStatusModule.register({ path: 'admin/sync', guard: AdminGuard })
 */
@Module({})
export class SyncStatusModule {
  static register(options: SyncStatusOptions = {}): DynamicModule {
    const path = checkPath(options.path);
    const guards = options.guard ? [options.guard] : [];

    @Controller(path)
    @UseGuards(...guards)
    class SyncStatusController {
      constructor(private readonly feed: SyncStatusFeed) {}

      @Get()
      @Header('Content-Type', 'text/html; charset=utf-8')
      @Header('Cache-Control', 'no-store')
      page(): string {
        return STATUS_PAGE;
      }

      @Get('json')
      @Header('Cache-Control', 'no-store')
      json(): Promise<SyncStatusSnapshot> {
        return this.feed.snapshot();
      }

      @Sse('events')
      events(): Observable<{ data: SyncStatusSnapshot }> {
        return this.feed.events();
      }
    }

    return { module: SyncStatusModule, controllers: [SyncStatusController], providers: [SyncStatusFeed] };
  }
}
