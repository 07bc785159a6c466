import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { SyncHealthIndicator, SyncService } from '../lib/index.js';

/** GET /prices (the data, from memory), GET /sync (status()), GET /health (Terminus). */
@Controller()
export class AppController {
  constructor(
    private readonly sync: SyncService,
    private readonly health: HealthCheckService,
    private readonly syncHealth: SyncHealthIndicator,
  ) {}

  @Get('prices')
  prices() {
    return { version: this.sync.getVersion('prices'), prices: this.sync.getData('prices') ?? [] };
  }

  @Get('sync')
  status() {
    return { pid: process.pid, leader: this.sync.isLeader(), tasks: this.sync.status() };
  }

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.syncHealth.isHealthy('sync')]);
  }
}
