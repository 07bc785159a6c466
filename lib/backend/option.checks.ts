/**
 * Option checks shared by the module's own normaliser and every backend, so that a
 * duration means the same everywhere and a bad one is refused with the same words.
 * The caller builds the error (each names its owner), from the `fix` sentence given here.
 */

/** The longest delay a Node timer honours (about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a duration must be: at least `min` ms (default: anything above 0); `fallback` is used when it is left out. */
export interface DurationRule {
  /** Used when the value is `undefined`; without it, a value is required. */
  readonly fallback?: number;
  /** Smallest accepted value, ms (default: any value greater than 0). */
  readonly min?: number;
}

/** Whether `value` is a usable duration: a finite number of ms, above 0 and `min`, at most `MAX_TIMER_MS`. */
export function isDuration(value: unknown, min = 0): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value >= min && value <= MAX_TIMER_MS;
}

/** The sentence that tells how to fix a bad duration `option`. */
export function durationFix(option: string, { fallback, min = 0 }: DurationRule = {}): string {
  const bound = min > 0 ? `of at least ${min}` : 'greater than 0';
  const example = fallback ?? Math.max(min, 5_000);
  const leaveOut = fallback === undefined ? '' : `, or leave it out (default ${fallback})`;
  return `Use a finite number of milliseconds ${bound} and at most ${MAX_TIMER_MS}, e.g. ${option}: ${example}${leaveOut}.`;
}

/**
 * Checks a duration option and returns it (or the rule's fallback when it is `undefined`).
 *
 * @param invalid builds the error to throw from the fix sentence, e.g. an `InvalidSyncOptionsError` naming the owner.
 */
export function checkDuration(
  option: string,
  value: unknown,
  rule: DurationRule,
  invalid: (fix: string) => Error,
): number {
  if (value === undefined && rule.fallback !== undefined) return rule.fallback;
  if (!isDuration(value, rule.min)) throw invalid(durationFix(option, rule));
  return value;
}
