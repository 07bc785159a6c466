/**
 * The leader serialises a new version's data to check it (JSON data, within `maxDataBytes`) and then the
 * store's default serializer serialises the very same object again, right after, in the same synchronous
 * step: 50–75 ms twice for 10 MB of JSON. This memo lets the second one take the first one's text.
 *
 * A text is kept only until the current synchronous step ends (a microtask drops it) and is taken once:
 * code that runs between the two calls in the same step could only change the data synchronously, and
 * between the check and the write there is none (the check is `JSON.stringify` itself, then the record is
 * built and handed to `store.write`). Anything asynchronous in between (a task's schema, a store that
 * encodes after an await) finds no text and serialises the data as it is then, as it always did. Keyed by
 * the data object itself (weakly), so a primitive or another object never gets another's text. A custom
 * serializer never looks here: its bytes are its own.
 */
const texts = new WeakMap<object, string>();

/**
 * `JSON.stringify(data)`, also kept for `takeJsonText` until the current synchronous step ends.
 * @throws what `JSON.stringify` throws (a cycle, a BigInt); nothing is kept then.
 */
export function stringifyForReuse(data: unknown): string | undefined {
  const json = JSON.stringify(data);
  if (json === undefined || typeof data !== 'object' || data === null) return json;
  texts.set(data, json);
  queueMicrotask(() => texts.delete(data));
  return json;
}

/**
 * The text `stringifyForReuse` made of this very object in the current synchronous step, once; `undefined`
 * when there is none (then serialise `data` yourself).
 */
export function takeJsonText(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const json = texts.get(data);
  if (json !== undefined) texts.delete(data);
  return json;
}
