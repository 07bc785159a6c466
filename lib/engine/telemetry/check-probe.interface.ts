// Kept apart from check.probe.ts so that declarations reachable from the package root never
// import `@opentelemetry/api` types (an optional peer an app may not have).

/** The steps of a check that get a child span; `version` and `data` are also timed as callbacks. */
export type SyncCheckStep = 'version' | 'data' | 'write' | 'touch';

/** What the checker sees of the instrumentation of one check. */
export interface SyncCheckProbe {
  /** W3C traceparent of the check span when it is sampled; the store carries it in the change event. */
  readonly traceparent: string | undefined;
  /** Runs one step (sync or async) inside a child span, timing the callbacks. */
  step<T>(step: SyncCheckStep, run: () => T): T;
  /** Bytes of the JSON of a new version. */
  dataSize(bytes: number): void;
}

/** The probe of a build without instrumentation (`telemetry: false`): runs the step, nothing else. */
export const NO_PROBE: SyncCheckProbe = {
  traceparent: undefined,
  step: (_step, run) => run(),
  dataSize: () => undefined,
};
