/**
 * What readers get: the data as the module hands it out, deep-frozen, so the type refuses
 * what the run time would refuse (`flags.darkMode = true`, `list.sort()`, `map.set()`).
 * Functions are left as they are (JSON data has none; a schema's output may); `any` stays `any`.
 */
export type DeepReadonly<T> = 0 extends 1 & T
  ? T
  : T extends (...args: never[]) => unknown
    ? T
    : T extends ReadonlyMap<infer K, infer V>
      ? ReadonlyMap<DeepReadonly<K>, DeepReadonly<V>>
      : T extends ReadonlySet<infer U>
        ? ReadonlySet<DeepReadonly<U>>
        : T extends object
          ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
          : T;
