import { describe, expect, it } from 'vitest';
import {
  declaredMetricNames,
  histogramQuantile,
  parsePrometheusText,
  readHistogram,
  readMetric,
  sumMetric,
} from './prometheus-text.js';

const TEXT = `# HELP gateway_signal_latency_seconds receivedTime to decision
# TYPE gateway_signal_latency_seconds histogram
gateway_signal_latency_seconds_bucket{le="0.01",outcome="created"} 2
gateway_signal_latency_seconds_bucket{le="0.1",outcome="created"} 8
gateway_signal_latency_seconds_bucket{le="+Inf",outcome="created"} 10
gateway_signal_latency_seconds_sum{outcome="created"} 0.9
gateway_signal_latency_seconds_count{outcome="created"} 10
gateway_signal_latency_seconds_bucket{le="0.01",outcome="deduplicated"} 10
gateway_signal_latency_seconds_bucket{le="0.1",outcome="deduplicated"} 10
gateway_signal_latency_seconds_bucket{le="+Inf",outcome="deduplicated"} 10
gateway_signal_latency_seconds_sum{outcome="deduplicated"} 0.05
gateway_signal_latency_seconds_count{outcome="deduplicated"} 10
gateway_signals_received_total{source_type="prometheus",severity="critical"} 7
gateway_signals_received_total{source_type="prometheus",severity="warn \\"x\\""} 3
`;

describe('prometheus-text', () => {
  it('sums counters over the series whose labels match', () => {
    const samples = parsePrometheusText(TEXT);
    expect(sumMetric(samples, 'gateway_signals_received_total')).toBe(10);
    expect(sumMetric(samples, 'gateway_signals_received_total', { severity: 'warn "x"' })).toBe(3);
    expect(sumMetric(samples, 'gateway_absent_total')).toBe(0);
  });

  it('merges histogram series and interpolates quantiles inside a bucket', () => {
    const samples = parsePrometheusText(TEXT);
    const all = readHistogram(samples, 'gateway_signal_latency_seconds');
    expect(all.count).toBe(20);
    expect(all.buckets.map((b) => b.count)).toEqual([12, 18, 20]);
    // rank 0.5 × 20 = 10 falls in the first bucket: 0 + 0.01 × 10/12.
    expect(histogramQuantile(all, 0.5)).toBeCloseTo(0.01 * (10 / 12));
    // rank 0.99 × 10 = 9.9 of "created" is in the +Inf bucket: reported as the highest finite bound.
    expect(
      histogramQuantile(readHistogram(samples, 'gateway_signal_latency_seconds', { outcome: 'created' }), 0.99),
    ).toBe(0.1);
    expect(histogramQuantile(readHistogram(samples, 'nothing'), 0.99)).toBeUndefined();
  });

  it('reads a value straight from text and lists declared metrics, sampled or not', () => {
    expect(readMetric(TEXT, 'gateway_signals_received_total', { severity: 'critical' })).toBe(7);
    expect(readMetric(TEXT, 'gateway_signal_latency_seconds_count', { outcome: 'created' })).toBe(10);
    const text = `${TEXT}# HELP gateway_audit_backlog Audit events not yet delivered\n# TYPE gateway_audit_backlog gauge\n`;
    expect(declaredMetricNames(text)).toEqual(['gateway_signal_latency_seconds', 'gateway_audit_backlog']);
  });
});
