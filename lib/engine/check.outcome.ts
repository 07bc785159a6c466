/** How a check ended. */
export type SyncCheckOutcome = 'changed' | 'unchanged' | 'failed' | 'aborted' | 'fenced';
