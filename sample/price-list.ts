/**
 * A stand-in for an external source (a database table, a pricing API). Its
 * version bumps on its own every `everyMs`, derived from the clock so that
 * every instance of the sample sees the same source, as they would a shared database.
 */
export class PriceList {
  constructor(private readonly everyMs: number) {}

  /** Cheap: what a `SELECT max(updated_at)` or an ETag would be. */
  currentVersion(): number {
    return Math.floor(Date.now() / this.everyMs) % 1_000_000;
  }

  /** Expensive: the whole list. */
  async load(): Promise<{ sku: string; price: number }[]> {
    const v = this.currentVersion() % 100;
    return [
      { sku: 'apple', price: 100 + v },
      { sku: 'pear', price: 200 + 2 * v },
      { sku: 'plum', price: 300 + 3 * v },
    ];
  }
}
