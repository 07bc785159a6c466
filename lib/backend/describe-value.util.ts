import { inspect } from 'node:util';

/** A short, printable form of any value for error messages (never the whole of a large value). */
export function describeValue(value: unknown): string {
  return inspect(value, { depth: 1, breakLength: Infinity, maxStringLength: 80, maxArrayLength: 5 });
}
