/** A stand-in for an external source (a database table, a pricing API): its version bumps on its own. */
export class PriceList {
  private version = 1;
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs: number) {
    this.timer = setInterval(() => this.version++, everyMs);
    this.timer.unref();
  }

  /** Cheap: what a `SELECT max(updated_at)` or an ETag would be. */
  currentVersion(): number {
    return this.version;
  }

  /** Expensive: the whole list. */
  async load(): Promise<{ sku: string; price: number }[]> {
    const v = this.version;
    return [
      { sku: 'apple', price: 100 + v },
      { sku: 'pear', price: 200 + 2 * v },
      { sku: 'plum', price: 300 + 3 * v },
    ];
  }
}
