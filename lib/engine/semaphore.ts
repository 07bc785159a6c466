/** A counting semaphore with a FIFO queue: waiters get slots in the order they asked. */
export class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  /** @param limit slots; `Infinity` for no limit. */
  constructor(private readonly limit: number) {}

  acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }
}
