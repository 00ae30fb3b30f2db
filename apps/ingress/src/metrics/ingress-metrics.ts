import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import { createSeverityLabeler } from './severity-label.js';

export const HTTP_DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface IngressMetrics {
  registry: Registry;
  signalsReceived: Counter<'source_type' | 'severity'>;
  httpRequestDuration: Histogram<'endpoint' | 'method' | 'status'>;
  requestsRejected: Counter<'source_type' | 'reason'>;
  signalsIgnored: Counter<'source_type' | 'reason'>;
  signalsRejected: Counter<'source_type' | 'reason'>;
  unresolvedTargets: Counter<'source_type'>;
  httpRequestsInFlight: Gauge;
  queueDepth: Gauge<'state'>;
  queueJobs: Gauge<'state'>;
  queueOldestWaitingAge: Gauge;
  backpressureActive: Gauge;
  enqueueDuration: Histogram;
  alertmanagerTruncatedAlerts: Counter;
  authDisabled: Gauge;
  sourceErrors: Counter<'source_type'>;
  sourceParseSlow: Counter<'source_type'>;
  clusterIdConflicts: Counter<'source_type'>;
  severityLabel(rawSeverity: string): string;
}

/**
 * Ingress metrics (docs/observability.md#ingress), registered on the given registry (one per app, so tests can
 * build many).
 */
export function createIngressMetrics(registry: Registry): IngressMetrics {
  const registers = [registry];
  return {
    registry,
    signalsReceived: new Counter({
      name: 'gateway_signals_received_total',
      help: 'Signals enqueued by ingress',
      labelNames: ['source_type', 'severity'],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'gateway_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern',
      labelNames: ['endpoint', 'method', 'status'],
      buckets: HTTP_DURATION_BUCKETS_SECONDS,
      registers,
    }),
    requestsRejected: new Counter({
      name: 'gateway_requests_rejected_total',
      help: 'Signal requests answered with an error, by reason',
      labelNames: ['source_type', 'reason'],
      registers,
    }),
    signalsIgnored: new Counter({
      name: 'gateway_signals_ignored_total',
      help: 'Valid items deliberately not processed',
      labelNames: ['source_type', 'reason'],
      registers,
    }),
    signalsRejected: new Counter({
      name: 'gateway_signals_rejected_total',
      help: 'Invalid items rejected inside an otherwise valid delivery',
      labelNames: ['source_type', 'reason'],
      registers,
    }),
    unresolvedTargets: new Counter({
      name: 'gateway_signals_unresolved_target_total',
      help: 'Signals accepted without a usable target (kind Unknown)',
      labelNames: ['source_type'],
      registers,
    }),
    httpRequestsInFlight: new Gauge({
      name: 'gateway_http_requests_in_flight',
      help: 'Signal requests being processed',
      registers,
    }),
    queueDepth: new Gauge({
      name: 'gateway_queue_depth',
      help: 'Signals in the signal queue by state, sampled every 250 ms',
      labelNames: ['state'],
      registers,
    }),
    queueJobs: new Gauge({
      name: 'gateway_queue_jobs',
      help: 'Signal queue jobs by state (one job holds the signals of coalesced requests), sampled every 250 ms',
      labelNames: ['state'],
      registers,
    }),
    queueOldestWaitingAge: new Gauge({
      name: 'gateway_queue_oldest_waiting_age_seconds',
      help: 'Seconds since the oldest waiting signal job was added (0 when none waits), sampled every 250 ms',
      registers,
    }),
    backpressureActive: new Gauge({
      name: 'gateway_backpressure_active',
      help: '1 while signal requests are refused because the queue or the audit backlog is over its limit',
      registers,
    }),
    enqueueDuration: new Histogram({
      name: 'gateway_enqueue_duration_seconds',
      help: 'Duration of one addBulk of a delivery',
      buckets: HTTP_DURATION_BUCKETS_SECONDS,
      registers,
    }),
    alertmanagerTruncatedAlerts: new Counter({
      name: 'gateway_alertmanager_truncated_alerts_total',
      help: 'Alerts Alertmanager dropped from webhooks (truncatedAlerts)',
      registers,
    }),
    authDisabled: new Gauge({
      name: 'gateway_auth_disabled',
      help: '1 when signal endpoints accept requests without credentials',
      registers,
    }),
    sourceErrors: new Counter({
      name: 'gateway_source_errors_total',
      help: 'Exceptions thrown by source adapters',
      labelNames: ['source_type'],
      registers,
    }),
    sourceParseSlow: new Counter({
      name: 'gateway_source_parse_slow_total',
      help: 'Plugin parse calls that took longer than their 50 ms budget',
      labelNames: ['source_type'],
      registers,
    }),
    clusterIdConflicts: new Counter({
      name: 'gateway_cluster_id_conflicts_total',
      help: 'Signals whose payload named another cluster than their token binding (the binding was used)',
      labelNames: ['source_type'],
      registers,
    }),
    severityLabel: createSeverityLabeler(),
  };
}
