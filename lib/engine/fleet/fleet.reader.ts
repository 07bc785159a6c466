import { Inject, Injectable } from '@nestjs/common';
import { SYNC_OPTIONS } from '../../sync.constants.js';
import type { NormalizedSyncOptions } from '../../interfaces/sync-options.interface.js';
import { SyncFleetPublisher } from './fleet.publisher.js';
import type { SyncFleetInstance } from './fleet.types.js';
import { fleetView } from './fleet.view.js';

/**
 * Reads the fleet: every live heartbeat of the namespace (one store round trip), with this
 * process's own entry taken from its live state rather than from its last beat.
 */
@Injectable()
export class SyncFleetReader {
  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly publisher: SyncFleetPublisher,
  ) {}

  async fleet(): Promise<SyncFleetInstance[]> {
    const { store, name } = this.options;
    const own = this.publisher.view();
    const beats = typeof store.instances === 'function' ? await store.instances(name) : [];
    return fleetView([own, ...beats.filter((beat) => beat.instance !== own.instance)], own.instance);
  }
}
