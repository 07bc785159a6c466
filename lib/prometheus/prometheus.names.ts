/** Unit suffixes Prometheus names carry, from the OpenTelemetry UCUM units the module uses. */
const UNIT_SUFFIX: Record<string, string> = { s: 'seconds', By: 'bytes' };

/**
 * The Prometheus name of an OpenTelemetry metric, by the OpenTelemetry → Prometheus rules:
 * dots become underscores, the unit becomes a suffix (`s` → `_seconds`, `By` → `_bytes`;
 * `1` and `{annotations}` add none), and counters end in `_total`.
 * `sync.check.duration` (s) → `sync_check_duration_seconds`; `sync.changes` → `sync_changes_total`.
 */
export function prometheusName(name: string, unit: string | undefined, counter: boolean): string {
  let result = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  const suffix = unit === undefined ? undefined : UNIT_SUFFIX[unit];
  if (suffix && !result.endsWith(`_${suffix}`)) result += `_${suffix}`;
  if (counter && !result.endsWith('_total')) result += '_total';
  return result;
}

/** A Prometheus label name from an attribute key (`sync.task` → `sync_task`). */
export function prometheusLabel(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_');
}
