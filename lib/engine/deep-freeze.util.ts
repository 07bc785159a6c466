/**
 * Freezes a value and everything reachable from it, once per version, so the
 * data handed to readers cannot be changed by one of them under the others.
 * Objects the caller froze only shallowly are walked too; cycles are fine.
 * Typed arrays and Buffers cannot be frozen and are left as they are.
 * Only objects go on the stack, and arrays are walked by index (no key list):
 * this runs once per version over payloads that can be megabytes.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const seen = new Set<object>([value]);
  const stack: object[] = [value];
  const visit = (child: unknown) => {
    if (typeof child === 'object' && child !== null && !seen.has(child)) {
      seen.add(child);
      stack.push(child);
    }
  };
  while (stack.length) {
    const current = stack.pop()!;
    if (ArrayBuffer.isView(current)) continue;
    Object.freeze(current);
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) visit(current[i]);
    } else {
      for (const key of Reflect.ownKeys(current)) visit((current as Record<PropertyKey, unknown>)[key]);
    }
  }
  return value;
}
