/** The fields of a W3C `traceparent` header this module carries in change events. */
export interface SyncTraceParent {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Formats a span context as a W3C `traceparent` (version 00). Written here rather than taken from
 * `@opentelemetry/core`, so the module needs nothing but `@opentelemetry/api`.
 */
export function formatTraceParent({ traceId, spanId, traceFlags }: SyncTraceParent): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Parses a `traceparent`; `undefined` for anything else (an event from another build, a forged one). */
export function parseTraceParent(value: unknown): SyncTraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value);
  if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return undefined;
  return { traceId: match[1], spanId: match[2], traceFlags: parseInt(match[3], 16) };
}
