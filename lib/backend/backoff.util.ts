/** Bounds of a backoff: the first delay's ceiling and the largest ceiling, ms. */
export interface BackoffRange {
  readonly base: number;
  readonly max: number;
}

/**
 * The delay before reconnection attempt `attempt` (0 for the first retry): exponential from
 * `base` up to `max`, with jitter between half and all of that ceiling, so that many processes
 * that lost the same server do not all knock again in step. `random` is injectable for tests.
 */
export function backoffDelay(attempt: number, { base, max }: BackoffRange, random: () => number = Math.random): number {
  // The exponent is capped: 2 ** 1100 is Infinity, and every ceiling past `max` is `max` anyway.
  const ceiling = Math.min(max, base * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
