import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, ModulesContainer } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { SYNC_OPTIONS, SYNC_TASK_METADATA } from './sync.constants.js';
import type { NormalizedSyncOptions } from './interfaces/sync-options.interface.js';
import { claimSyncNamespace } from './sync-namespace.claims.js';
import { NON_STATIC_PROVIDER } from './sync.messages.js';
import { SYNC_TASK_METHODS, type SyncTaskMetadata } from './decorators/sync-task.decorator.js';
import { type SyncCallback, SyncRegistry } from './sync.registry.js';

/**
 * Finds every `@SyncTask` method on providers and controllers at `onModuleInit` and registers
 * it. `DiscoveryService` lists them; `@SyncTask` lists the keys it decorated on each prototype
 * (`SYNC_TASK_METHODS`), so only those are looked at, not every method of every provider
 * (`MetadataScanner`). A key is resolved as a call would (the first prototype that has it, then
 * the instance): a subclass's override without `@SyncTask`, or a getter, is not a task.
 * First it claims the module's namespace in the application: a second `SyncModule`
 * with the same `name` fails bootstrap with `DuplicateSyncModuleError`.
 */
@Injectable()
export class SyncExplorer implements OnModuleInit {
  private readonly logger = new Logger('SyncModule');

  constructor(
    private readonly discovery: DiscoveryService,
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
    const seen = new Set<string | symbol>();
    for (let proto = Object.getPrototypeOf(instance) as object | null; proto; proto = Object.getPrototypeOf(proto)) {
      const keys = Reflect.getOwnMetadata(SYNC_TASK_METHODS, proto) as (string | symbol)[] | undefined;
      for (const key of keys ?? []) {
        if (seen.has(key)) continue;
        seen.add(key);
        this.visit(wrapper, instance, proto, key);
      }
    }
  }

  private visit(wrapper: InstanceWrapper, instance: object, from: object, key: string | symbol): void {
    if (isAccessor(Object.getPrototypeOf(instance) as object, from, key)) return;
    const target = (instance as Record<string | symbol, unknown>)[key];
    if (typeof target !== 'function') return;
    // Own metadata: `@SyncTask` writes it on the method itself (a function inherits none through Function.prototype).
    const metadata = Reflect.getOwnMetadata(SYNC_TASK_METADATA, target) as SyncTaskMetadata | undefined;
    if (!metadata) return;
    const source = `${instance.constructor?.name ?? wrapper.name}.${String(key)}`;
    if (!wrapper.isDependencyTreeStatic()) {
      this.logger.warn(NON_STATIC_PROVIDER(source));
      return;
    }
    this.registry.register(metadata.tag, metadata.options, source, (target as SyncCallback).bind(instance));
  }
}

/** Whether the first prototype from `start` up to `end` that has `key` defines it with a getter or setter. */
function isAccessor(start: object, end: object, key: string | symbol): boolean {
  for (let proto: object | null = start; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    if (descriptor) return descriptor.get !== undefined || descriptor.set !== undefined;
    if (proto === end) return false;
  }
  return false;
}
