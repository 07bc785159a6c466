/**
 * Watches the store from the chaos runner itself (its own client, never the
 * library's): every few ms it reads each task's stored fence and the lease.
 * A tag's fence must never go down ("no stale write"); a record that is
 * missing is "unknown", not stale — after a restart of a Redis without
 * persistence every record is gone, so the fences seen before are forgotten.
 * The lease readings are kept as a timeline, to tell afterwards whether a
 * process called the source while the store showed another one's lease.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosStore } from './chaos.store.js';

/** The lease as one probe saw it (none: no live lease, or the probe failed before it). */
export interface LeaseSample {
  sentAt: number;
  receivedAt: number;
  fence?: number;
  pid?: number;
}

/** A fence that went down for a tag: a write (or touch) with an older fence landed after a newer one. */
export interface StaleWrite {
  tag: string;
  from: number;
  to: number;
  at: number;
}

/** Polls a `ChaosStore` until stopped. */
export class StoreMonitor {
  readonly samples: LeaseSample[] = [];
  readonly staleWrites: StaleWrite[] = [];
  probes = 0;
  failedProbes = 0;
  private readonly fences = new Map<string, number>();
  private epoch = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly store: ChaosStore,
    private readonly tags: string[],
    private readonly every = 20,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** The store lost its records (a restart without persistence): what was seen before no longer counts. */
  forgetFences(): void {
    this.epoch++;
    this.fences.clear();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const epoch = this.epoch;
      const probe = await this.store.probe();
      this.probes++;
      if (!probe) this.failedProbes++;
      // A probe that straddled a forgetFences() may mix the old and the new store: drop it.
      else if (epoch === this.epoch) {
        this.samples.push({ sentAt: probe.sentAt, receivedAt: probe.receivedAt, ...probe.lease });
        for (const tag of this.tags) this.check(tag, probe.fences.get(tag), probe.receivedAt);
      }
      await sleep(this.every);
    }
  }

  private check(tag: string, fence: number | undefined, at: number): void {
    if (fence === undefined) {
      this.fences.delete(tag); // no record: unknown
      return;
    }
    const last = this.fences.get(tag);
    if (last !== undefined && fence < last) this.staleWrites.push({ tag, from: last, to: fence, at });
    this.fences.set(tag, fence);
  }
}
