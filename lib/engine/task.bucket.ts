import type { SchedulerRegistry } from '@nestjs/schedule';
import type { MonotonicClock } from './lease.keeper.js';
import type { SyncCheckOutcome } from './check.outcome.js';
import type { SyncTaskState } from './replica.state.js';

/** The runner's view of one task: its bucket, its place in it, and its check in flight. */
export interface SyncTaskSlot {
  readonly state: SyncTaskState;
  readonly bucket: SyncTaskBucket;
  /** The ticket of its entry in the bucket's queue; 0 when it is not scheduled. */
  ticket: number;
  /** The check in flight (or queued behind it), until it ends. */
  running: Promise<SyncCheckOutcome | undefined> | undefined;
  /** A check queued behind the one in flight and not started yet: later requests join it. */
  queued: Promise<SyncCheckOutcome | undefined> | undefined;
}

/**
 * The tasks of one interval, sharing one timer. Each task is due `interval` ms after its
 * previous check ended; since every entry is added with that same delay, the queue is sorted
 * by due time just by appending, and the timer only ever waits for its head. A tick takes every
 * entry due within the current millisecond (the resolution of a timer, so per-task timers could
 * not have told them apart either), in queue order: the order in which their checks ended, which
 * is registration order for tasks that ended together. An entry is unscheduled by its ticket
 * (lazily dropped when it reaches the head), so `runNow` costs no search.
 */
export class SyncTaskBucket {
  private slots: SyncTaskSlot[] = [];
  private dues: number[] = [];
  private tickets: number[] = [];
  private head = 0;
  private nextTicket = 1;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param name the timer's name in the SchedulerRegistry.
   * @param onDue called with the slots a tick found due, in order (already unscheduled).
   */
  constructor(
    readonly interval: number,
    readonly name: string,
    private readonly registry: SchedulerRegistry,
    private readonly clock: MonotonicClock,
    private readonly onDue: (due: SyncTaskSlot[]) => void,
  ) {}

  /** Appends `slot`, due at `due` (never earlier than the entries already queued). */
  schedule(slot: SyncTaskSlot, due: number): void {
    slot.ticket = this.nextTicket++;
    this.slots.push(slot);
    this.dues.push(due);
    this.tickets.push(slot.ticket);
    if (this.timer === undefined) this.arm();
  }

  unschedule(slot: SyncTaskSlot): void {
    slot.ticket = 0;
  }

  /** Drops every entry and the timer. */
  clear(): void {
    for (let i = this.head; i < this.slots.length; i++) this.slots[i].ticket = 0;
    this.slots = [];
    this.dues = [];
    this.tickets = [];
    this.head = 0;
    this.disarm();
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const horizon = this.clock.now() + 1;
    const due: SyncTaskSlot[] = [];
    const { slots, dues, tickets } = this;
    let head = this.head;
    for (; head < slots.length && dues[head] < horizon; head++) {
      const slot = slots[head];
      if (slot.ticket !== tickets[head]) continue;
      slot.ticket = 0;
      due.push(slot);
    }
    this.head = head;
    this.arm();
    if (due.length > 0) this.onDue(due);
  };

  /** Arms the timer for the first live entry, or removes it when there is none. */
  private arm(): void {
    const { slots, tickets } = this;
    while (this.head < slots.length && slots[this.head].ticket !== tickets[this.head]) this.head++;
    this.compact();
    this.disarm();
    if (this.head === slots.length) return;
    this.timer = setTimeout(this.tick, Math.max(0, Math.ceil(this.dues[this.head] - this.clock.now())));
    this.registry.addTimeout(this.name, this.timer);
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.registry.doesExist('timeout', this.name)) this.registry.deleteTimeout(this.name);
  }

  /** Drops the consumed front of the queue once it is all or most of it, in place (no new arrays per tick). */
  private compact(): void {
    const { head } = this;
    const empty = head === this.slots.length;
    if (!empty && (head < 1_024 || head * 2 < this.slots.length)) return;
    for (const list of [this.slots, this.dues, this.tickets] as unknown[][]) {
      if (!empty) list.copyWithin(0, head);
      list.length -= head;
    }
    this.head = 0;
  }
}
