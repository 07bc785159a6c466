import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { SYNC_OPTIONS, SYNC_TASK_METADATA } from './sync.constants.js';
import type { NormalizedSyncOptions } from './interfaces/sync-options.interface.js';
import { claimSyncNamespace } from './sync-namespace.claims.js';
import { NON_STATIC_PROVIDER } from './sync.messages.js';
import type { SyncTaskMetadata } from './decorators/sync-task.decorator.js';
import { type SyncCallback, SyncRegistry } from './sync.registry.js';

/**
 * Finds every `@SyncTask` method on providers and controllers at
 * `onModuleInit` and registers it, as `@nestjs/schedule`'s explorer does
 * (`DiscoveryService` + `MetadataScanner`: `createDecorator` does not index methods).
 * First it claims the module's namespace in the application: a second `SyncModule`
 * with the same `name` fails bootstrap with `DuplicateSyncModuleError`.
 */
@Injectable()
export class SyncExplorer implements OnModuleInit {
  private readonly logger = new Logger('SyncModule');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: SyncRegistry,
    private readonly modules: ModulesContainer,
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
  ) {}

  onModuleInit(): void {
    claimSyncNamespace(this.modules, this.options.name);
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      this.explore(wrapper);
    }
    this.registry.markComplete();
  }

  private explore(wrapper: InstanceWrapper): void {
    const instance: unknown = wrapper.instance;
    if (!instance || typeof instance !== 'object') return;
    const prototype = Object.getPrototypeOf(instance) as object | null;
    if (!prototype) return;
    for (const method of this.scanner.getAllMethodNames(prototype)) {
      const target = (instance as Record<string, unknown>)[method];
      if (typeof target !== 'function') continue;
      const metadata = this.reflector.get<SyncTaskMetadata | undefined>(SYNC_TASK_METADATA, target);
      if (!metadata) continue;
      const source = `${instance.constructor?.name ?? wrapper.name}.${method}`;
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn(NON_STATIC_PROVIDER(source));
        continue;
      }
      this.registry.register(metadata.tag, metadata.options, source, (target as SyncCallback).bind(instance));
    }
  }
}
