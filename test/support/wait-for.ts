/** Options of `waitFor`. */
export interface WaitForOptions {
  /** ms between polls; default 5. */
  every?: number;
}

/**
 * The one polling helper of the test suites: calls `probe` (sync or async) until it
 * returns a truthy value, and resolves with that value; rejects after `ms` with an
 * error naming `what`. Use it for "eventually" assertions on real timers.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  ms: number,
  what: string,
  options: WaitForOptions = {},
): Promise<Exclude<T, false | undefined | null | 0 | ''>> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, false | undefined | null | 0 | ''>;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.every ?? 5));
  }
}

/** Like `waitFor`, but resolves with how many ms the wait took (for figures in test diagnostics). */
export async function timeUntil(probe: () => unknown, ms: number, what: string): Promise<number> {
  const start = Date.now();
  await waitFor(() => Boolean(probe()), ms, what);
  return Date.now() - start;
}
