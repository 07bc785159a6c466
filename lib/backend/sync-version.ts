/**
 * A version as the VERSION callback returns it; compared with `===`. Every store
 * keeps its type through a round trip: `5` stays a number, `'5'` a string.
 */
export type SyncVersion = string | number;
