/**
 * Freezes a value and everything reachable from it, once per version, so the
 * data handed to readers cannot be changed by one of them under the others.
 * Objects the caller froze only shallowly are walked too; cycles are fine.
 * Typed arrays and Buffers cannot be frozen and are left as they are.
 */
export function deepFreeze<T>(value: T): T {
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length) {
    const current = stack.pop();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    if (ArrayBuffer.isView(current)) continue;
    Object.freeze(current);
    for (const key of Reflect.ownKeys(current)) {
      stack.push((current as Record<PropertyKey, unknown>)[key]);
    }
  }
  return value;
}
