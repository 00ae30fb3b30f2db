import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const DECISION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
const SIMILARITY_SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
const CLUSTER_MEMBER_BUCKETS = [1, 2, 3, 5, 10, 20, 50, 100, 500];

/** Worker metrics (docs/observability.md#worker) on a registry of its own, so tests can build many workers. */
export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    deduplicated: new Counter({
      name: 'gateway_signals_deduplicated_total',
      help: 'Duplicates counted',
      labelNames: ['source_type'],
      registers: [registry],
    }),
    created: new Counter({
      name: 'gateway_crds_created_total',
      help: 'RemediationRequests created',
      labelNames: ['source_type', 'status'],
      registers: [registry],
    }),
    creationErrors: new Counter({
      name: 'gateway_crd_creation_errors_total',
      help: 'RemediationRequest creates that failed after their in-process retries, by error type',
      labelNames: ['error_type'],
      registers: [registry],
    }),
    resolved: new Counter({
      name: 'gateway_signals_resolved_total',
      help: 'Resolved signals audited',
      labelNames: ['source_type'],
      registers: [registry],
    }),
    redelivered: new Counter({
      name: 'gateway_signals_redelivered_total',
      help: 'Redeliveries not counted',
      labelNames: ['source_type'],
      registers: [registry],
    }),
    signalLatency: new Histogram({
      name: 'gateway_signal_latency_seconds',
      help: 'receivedTime to decision',
      labelNames: ['outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    decisionDuration: new Histogram({
      name: 'gateway_dedup_decision_duration_seconds',
      help: 'Atomic admission step (redelivery, duplicate or claim) per firing signal',
      buckets: DECISION_BUCKETS,
      registers: [registry],
    }),
    windowsOpen: new Gauge({ name: 'gateway_dedup_windows_open', help: 'Open dedup windows', registers: [registry] }),
    windowsRebuilt: new Counter({
      name: 'gateway_dedup_windows_rebuilt_total',
      help: 'Windows rebuilt from the API after Redis lost them',
      registers: [registry],
    }),
    statusWrites: new Counter({
      name: 'gateway_dedup_status_writes_total',
      help: 'status.deduplication writes',
      labelNames: ['result'],
      registers: [registry],
    }),
    flushLag: new Histogram({
      name: 'gateway_dedup_flush_lag_seconds',
      help: 'Last counted occurrence to status written',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    k8sRequests: new Counter({
      name: 'gateway_k8s_requests_total',
      help: 'Kubernetes API requests',
      labelNames: ['operation', 'code'],
      registers: [registry],
    }),
    k8sDuration: new Histogram({
      name: 'gateway_k8s_request_duration_seconds',
      help: 'Kubernetes API request duration',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'gateway_retry_attempts_total',
      help: 'Kubernetes retries',
      labelNames: ['operation', 'error_type'],
      registers: [registry],
    }),
    retriesExhausted: new Counter({
      name: 'gateway_retry_exhausted_total',
      help: 'Kubernetes retries exhausted',
      labelNames: ['operation', 'error_type'],
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'gateway_circuit_breaker_state',
      help: '0 closed, 1 half-open, 2 open',
      labelNames: ['name'],
      registers: [registry],
    }),
    breakerProbes: new Counter({
      name: 'gateway_circuit_breaker_probes_total',
      help: 'Active probes sent while a circuit breaker was open, by result',
      labelNames: ['name', 'result'],
      registers: [registry],
    }),
    jobsParked: new Counter({
      name: 'gateway_jobs_parked_total',
      help: 'Job runs parked at an open circuit breaker without spending an attempt',
      registers: [registry],
    }),
    jobsFailed: new Counter({
      name: 'gateway_jobs_failed_total',
      help: 'Jobs failed permanently',
      labelNames: ['reason'],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'gateway_queue_depth',
      help: 'Signals in the signal queue by state',
      labelNames: ['state'],
      registers: [registry],
    }),
    fingerprints: new Counter({
      name: 'gateway_fingerprint_computed_total',
      help: 'Fingerprints computed',
      labelNames: ['strategy'],
      registers: [registry],
    }),
    ownerResolutions: new Counter({
      name: 'gateway_owner_resolution_total',
      help: 'Owner strategy fingerprints by how the owner was found (api, cache, heuristic, none)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    similarityDecisions: new Counter({
      name: 'gateway_fingerprint_similarity_decisions_total',
      help: 'Firing signals the similarity strategy fingerprinted: matched a cluster, founded one, or (shadow mode) found a cluster other than the base fingerprint',
      labelNames: ['result'],
      registers: [registry],
    }),
    similarityScore: new Histogram({
      name: 'gateway_fingerprint_similarity_score',
      help: 'Best Jaccard estimate against the candidate clusters (0 without candidates)',
      buckets: SIMILARITY_SCORE_BUCKETS,
      registers: [registry],
    }),
    similarityNearMisses: new Counter({
      name: 'gateway_fingerprint_similarity_near_miss_total',
      help: 'Firing signals whose best estimate was within 0.1 below the threshold',
      registers: [registry],
    }),
    similarityClusterMembers: new Histogram({
      name: 'gateway_fingerprint_similarity_cluster_members',
      help: 'Distinct base fingerprints in the cluster a firing signal joined or founded',
      buckets: CLUSTER_MEMBER_BUCKETS,
      registers: [registry],
    }),
    volatileLabelKeys: new Gauge({
      name: 'gateway_fingerprint_volatile_label_keys',
      help: 'Label keys found volatile, over every signal name this process has seen',
      registers: [registry],
    }),
    dedupRatio: new Gauge({
      name: 'gateway_fingerprint_dedup_ratio',
      help: 'Duplicates over firing decisions in the last 5 minutes of this process, by fingerprint strategy',
      labelNames: ['strategy'],
      registers: [registry],
    }),
    auditEvents: new Counter({
      name: 'gateway_audit_events_total',
      help: 'Audit events delivered to Data Storage (or the audit file), by event type',
      labelNames: ['event_type'],
      registers: [registry],
    }),
    auditBacklog: new Gauge({
      name: 'gateway_audit_backlog',
      help: 'Audit events not yet delivered',
      registers: [registry],
    }),
    auditOldestAge: new Gauge({
      name: 'gateway_audit_oldest_pending_age_seconds',
      help: 'Age of the oldest undelivered audit event',
      registers: [registry],
    }),
    auditBatches: new Counter({
      name: 'gateway_audit_batches_total',
      help: 'Audit batches sent',
      labelNames: ['result'],
      registers: [registry],
    }),
    auditDead: new Counter({
      name: 'gateway_audit_events_dead_total',
      help: 'Audit events dead-lettered',
      labelNames: ['reason'],
      registers: [registry],
    }),
    auditDuration: new Histogram({
      name: 'gateway_audit_delivery_duration_seconds',
      help: 'Audit batch delivery time',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
  return m;
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
