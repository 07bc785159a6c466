import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prometheusLabel, prometheusName } from './prometheus.names.js';

describe('Prometheus names', () => {
  it('follows the OpenTelemetry to Prometheus rules: underscores, unit suffix, _total on counters', () => {
    assert.equal(prometheusName('sync.check.duration', 's', false), 'sync_check_duration_seconds');
    assert.equal(prometheusName('sync.data.size', 'By', false), 'sync_data_size_bytes');
    assert.equal(prometheusName('sync.changes', '{change}', true), 'sync_changes_total');
    assert.equal(prometheusName('sync.leader', '1', false), 'sync_leader');
    assert.equal(prometheusName('a.total', undefined, true), 'a_total');
    assert.equal(prometheusLabel('sync.task'), 'sync_task');
  });
});
