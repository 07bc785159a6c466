import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { SyncAction, type SyncContext, SyncService, SyncTask } from '../lib/index.js';
import { PriceList } from './price-list.js';

/** The sample's one sync task: polls the price list's version, loads it only when it changed. */
@Injectable()
export class PricesSource implements OnModuleInit {
  private readonly logger = new Logger('Prices');
  private readonly source = new PriceList(Number(process.env.SAMPLE_CHANGE_EVERY_MS ?? 4_000));

  constructor(private readonly sync: SyncService) {}

  onModuleInit(): void {
    this.sync
      .changes('prices')
      .subscribe((snapshot) =>
        this.logger.log(`prices now at version ${snapshot.version} (modified ${snapshot.modifiedAt.toISOString()})`),
      );
  }

  @SyncTask('prices')
  fetch(action: SyncAction, _ctx: SyncContext) {
    return action === SyncAction.VERSION ? this.source.currentVersion() : this.source.load();
  }
}
