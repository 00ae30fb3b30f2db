import {
  type DataStorageStub,
  declaredMetricNames,
  readMetric,
  type SandboxRequestInfo,
  startDataStorageStub,
  waitFor,
} from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, deleteKeysMatching, FAST_WORKER_ENV, waitForQuiet } from '../chaos/support/chaos.js';
import { alertmanagerWebhook, type PodAlert, podRrName, postWebhook } from '../support/alerts.js';
import { type GatewayFixture, startGatewayFixture } from '../support/gateway-fixture.js';

// Every metric the worker declares is moved by one of these scenarios, driven through the real ingress and
// worker processes, the kube sandbox and a Data Storage stub, and read back from the worker's GET /metrics.
// A metric without a row fails the first test: declare a metric with its feature and add its row here, with
// a scenario (new or existing) that asserts it moves.
const SCENARIO = {
  created: 'creates the RR of a new alert, counts the decision and ships its audit',
  duplicate: 'counts a duplicate and writes the count to the RR',
  redelivered: 'leaves a redelivered alert uncounted',
  resolved: 'counts a resolved alert',
  rebuilt: 'rebuilds a window Redis lost from the open RR',
  owner: 'fingerprints by owner when a rule chooses the owner strategy, from the pod name when the API has no such pod',
  similarity:
    'fingerprints by similarity when a rule chooses it: a changed request id matches, a volatile label is found, two changed labels are a near miss',
  outage: 'retries creates through an API outage, opens the breaker and creates the RR once the API is back',
  refused: 'fails the job and counts the create error when the API refuses the RR',
  auditOutage: 'keeps audit in the backlog while Data Storage fails and ships it once it is back',
  deadLetter: 'dead-letters an event Data Storage refuses on its own',
  settings: 'reports the configuration hash and counts a reload',
} as const;

const METRIC_SCENARIOS: Readonly<Record<string, keyof typeof SCENARIO>> = {
  gateway_crds_created_total: 'created',
  gateway_signal_latency_seconds: 'created',
  gateway_dedup_decision_duration_seconds: 'created',
  gateway_fingerprint_computed_total: 'created',
  gateway_k8s_requests_total: 'created',
  gateway_k8s_request_duration_seconds: 'created',
  gateway_dedup_windows_open: 'created',
  gateway_audit_events_total: 'created',
  gateway_audit_batches_total: 'created',
  gateway_audit_delivery_duration_seconds: 'created',
  gateway_signals_deduplicated_total: 'duplicate',
  gateway_dedup_status_writes_total: 'duplicate',
  gateway_dedup_flush_lag_seconds: 'duplicate',
  gateway_signals_redelivered_total: 'redelivered',
  gateway_signals_resolved_total: 'resolved',
  gateway_dedup_windows_rebuilt_total: 'rebuilt',
  gateway_owner_resolution_total: 'owner',
  gateway_fingerprint_similarity_decisions_total: 'similarity',
  gateway_fingerprint_similarity_score: 'similarity',
  gateway_fingerprint_similarity_near_miss_total: 'similarity',
  gateway_fingerprint_similarity_cluster_members: 'similarity',
  gateway_fingerprint_volatile_label_keys: 'similarity',
  gateway_fingerprint_dedup_ratio: 'similarity',
  gateway_retry_attempts_total: 'outage',
  gateway_retry_exhausted_total: 'outage',
  gateway_circuit_breaker_state: 'outage',
  gateway_circuit_breaker_probes_total: 'outage',
  gateway_jobs_parked_total: 'outage',
  gateway_queue_depth: 'outage',
  gateway_crd_creation_errors_total: 'refused',
  gateway_jobs_failed_total: 'refused',
  gateway_audit_backlog: 'auditOutage',
  gateway_audit_oldest_pending_age_seconds: 'auditOutage',
  gateway_audit_events_dead_total: 'deadLetter',
  gateway_config_info: 'settings',
  gateway_config_reloads_total: 'settings',
  gateway_config_last_reload_successful: 'settings',
  gateway_config_last_reload_success_timestamp_seconds: 'settings',
  // 1 while restart-only keys wait: tests/reload/reload-triggers.test.ts changes one; here it stays 0.
  gateway_config_restart_required: 'settings',
};

const BASE = '2026-12-01T08:00:00.000Z';
const NAMESPACE = 'metrics';
const prometheus = { source_type: 'prometheus' };
const creates = (req: SandboxRequestInfo): boolean =>
  req.method === 'POST' && req.path.endsWith('/remediationrequests');

type Labels = Record<string, string>;

// Several 30 s waits in one scenario must fit on a loaded two-core machine.
describe('worker metrics', { timeout: 120_000 }, () => {
  let stub: DataStorageStub;
  let fx: GatewayFixture;
  let text = '';

  beforeAll(async () => {
    stub = await startDataStorageStub();
    fx = await startGatewayFixture({
      stack: {
        dataStorageUrl: stub.url,
        remediationNamespace: 'kubernaut-system',
        env: {
          worker: {
            ...FAST_WORKER_ENV,
            // Only OwnerProbe and SimilarityProbe alerts take another strategy: every other scenario keeps the default.
            GATEWAY_CFG__FINGERPRINT__RULES:
              '[{match: {signalName: OwnerProbe}, strategy: owner}, {match: {signalName: SimilarityProbe}, strategy: similarity}]',
            // A label key turns volatile on its second distinct value, so one scenario finds one.
            GATEWAY_CFG__FINGERPRINT__SIMILARITY__ADAPTIVE: '{minObservations: 2, distinctThreshold: 2}',
          },
        },
      },
    });
  }, 90_000);

  afterAll(async () => {
    await fx?.close();
    await stub?.close();
  });

  const scrape = async (): Promise<string> => {
    const response = await fetch(`${fx.stack.workerUrl}/metrics`);
    expect(response.status).toBe(200);
    text = await response.text();
    return text;
  };
  const value = async (name: string, labels: Labels = {}): Promise<number> => readMetric(await scrape(), name, labels);
  /** The values of `names` now, to subtract from later ones. */
  const snapshot = async (names: readonly [string, Labels?][]): Promise<(after: string) => number[]> => {
    const before = await scrape();
    return (after) => names.map(([name, labels]) => readMetric(after, name, labels) - readMetric(before, name, labels));
  };
  const until = async (name: string, labels: Labels, accept: (v: number) => boolean, description: string) => {
    await waitFor(async () => accept(await value(name, labels)), {
      timeoutMs: 30_000,
      intervalMs: 100,
      description,
    }).catch((err: Error) => {
      throw new Error(
        `${err.message}: ${name}${JSON.stringify(labels)} is ${readMetric(text, name, labels)}\n${fx.stack.logs()}`,
      );
    });
  };
  const post = async (alerts: PodAlert[]): Promise<void> => {
    const response = await postWebhook(fx.stack.ingressUrl, fx.stack.token, alertmanagerWebhook(alerts));
    expect(response.status, await response.text()).toBe(202);
  };
  const alert = (pod: string, second: number, extra: Partial<PodAlert> = {}): PodAlert => ({
    alertname: 'MetricsProbe',
    namespace: NAMESPACE,
    pod,
    startsAt: at(BASE, second),
    ...extra,
  });
  const rrExists = (pod: string) =>
    waitFor(() => fx.rrs().some((rr) => rr.metadata.name === podRrName('MetricsProbe', NAMESPACE, pod)), {
      timeoutMs: 30_000,
      description: `the RR of ${pod}`,
    });
  const quiet = () => waitForQuiet(fx.stack.queuePrefix, 30_000, () => fx.stack.logs());

  it('has a scenario for every metric the worker declares, and declares every metric it has a scenario for', async () => {
    const declared = declaredMetricNames(await scrape()).filter((name) => name.startsWith('gateway_'));
    expect(declared.sort()).toEqual(Object.keys(METRIC_SCENARIOS).sort());
  });

  it(SCENARIO.created, async () => {
    const delta = await snapshot([
      ['gateway_crds_created_total', { ...prometheus, status: 'created' }],
      ['gateway_signal_latency_seconds_count', { outcome: 'created' }],
      ['gateway_dedup_decision_duration_seconds_count'],
      ['gateway_fingerprint_computed_total'],
      ['gateway_k8s_requests_total', { operation: 'rr.create', code: '201' }],
      ['gateway_k8s_request_duration_seconds_count', { operation: 'rr.create' }],
    ]);
    await post([alert('created-0', 0)]);
    await rrExists('created-0');
    await quiet();
    expect(delta(await scrape())).toEqual([1, 1, 1, 1, 1, 1]);
    // The first window of this prefix; the gauge is sampled every second.
    await until('gateway_dedup_windows_open', {}, (v) => v === 1, 'one open window');
    // Its received and created events leave in one or more accepted batches.
    await until(
      'gateway_audit_events_total',
      { event_type: 'gateway.crd.created' },
      (v) => v === 1,
      'crd.created shipped',
    );
    await until(
      'gateway_audit_events_total',
      { event_type: 'gateway.signal.received' },
      (v) => v === 1,
      'received shipped',
    );
    expect(readMetric(text, 'gateway_audit_batches_total', { result: 'success' })).toBeGreaterThanOrEqual(1);
    expect(readMetric(text, 'gateway_audit_delivery_duration_seconds_count')).toBe(
      readMetric(text, 'gateway_audit_batches_total'),
    );
  });

  it(SCENARIO.duplicate, async () => {
    const delta = await snapshot([
      ['gateway_signals_deduplicated_total', prometheus],
      ['gateway_signal_latency_seconds_count', { outcome: 'deduplicated' }],
      ['gateway_dedup_status_writes_total', { result: 'success' }],
      ['gateway_dedup_flush_lag_seconds_count'],
    ]);
    await post([alert('created-0', 1)]);
    await fx.waitForCount(podRrName('MetricsProbe', NAMESPACE, 'created-0'), 2);
    await quiet();
    const [deduplicated, latency, writes, lag] = delta(await scrape());
    expect([deduplicated, latency]).toEqual([1, 1]);
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(lag).toBe(writes);
    await until('gateway_audit_events_total', { event_type: 'gateway.signal.deduplicated' }, (v) => v === 1, 'shipped');
  });

  it(SCENARIO.redelivered, async () => {
    const delta = await snapshot([
      ['gateway_signals_redelivered_total', prometheus],
      ['gateway_signals_deduplicated_total', prometheus],
    ]);
    // Alertmanager re-sends the same alert with the same fingerprint and startsAt: the same delivery key.
    await post([alert('created-0', 1)]);
    await until('gateway_signals_redelivered_total', prometheus, (v) => v >= 1, 'a redelivery');
    await quiet();
    expect(delta(await scrape())).toEqual([1, 0]);
    expect(fx.occurrenceCount(podRrName('MetricsProbe', NAMESPACE, 'created-0'))).toBe(2);
  });

  it(SCENARIO.resolved, async () => {
    const delta = await snapshot([['gateway_signals_resolved_total', prometheus]]);
    await post([alert('created-0', 2, { status: 'resolved' })]);
    await until('gateway_signals_resolved_total', prometheus, (v) => v >= 1, 'a resolved signal');
    await quiet();
    expect(delta(await scrape())).toEqual([1]);
  });

  it(SCENARIO.rebuilt, async () => {
    await post([alert('rebuilt-0', 0)]);
    await rrExists('rebuilt-0');
    await quiet();
    const delta = await snapshot([['gateway_dedup_windows_rebuilt_total'], ['gateway_crds_created_total']]);
    expect(
      await deleteKeysMatching(fx.stack.queuePrefix, ['win:*', 'seq:*', 'applied:*', 'dlv:*', 'dedup:*']),
    ).toBeGreaterThan(0);
    await post([alert('rebuilt-0', 1)]);
    await fx.waitForCount(podRrName('MetricsProbe', NAMESPACE, 'rebuilt-0'), 2);
    await quiet();
    expect(delta(await scrape())).toEqual([1, 0]);
  });

  it(SCENARIO.owner, async () => {
    const delta = await snapshot([
      ['gateway_owner_resolution_total', { outcome: 'heuristic' }],
      ['gateway_fingerprint_computed_total', { strategy: 'owner' }],
      ['gateway_crds_created_total', { ...prometheus, status: 'created' }],
    ]);
    // Two pods of one Deployment the sandbox does not hold: both names parse to Deployment web, one RR.
    await post([
      alert('web-7d4b9c-x2x9z', 0, { alertname: 'OwnerProbe' }),
      alert('web-7d4b9c-bcdfg', 0, { alertname: 'OwnerProbe' }),
    ]);
    await until('gateway_fingerprint_computed_total', { strategy: 'owner' }, (v) => v >= 2, 'two owner fingerprints');
    await quiet();
    expect(delta(await scrape())).toEqual([2, 2, 1]);
  });

  it(SCENARIO.similarity, async () => {
    const similarity = { strategy: 'similarity' };
    const delta = await snapshot([
      ['gateway_fingerprint_similarity_decisions_total', { result: 'new' }],
      ['gateway_fingerprint_similarity_decisions_total', { result: 'matched' }],
      ['gateway_fingerprint_similarity_near_miss_total'],
      ['gateway_fingerprint_similarity_score_count'],
      ['gateway_fingerprint_similarity_cluster_members_count'],
      ['gateway_fingerprint_computed_total', similarity],
    ]);
    // Fourteen steady labels: one changed value keeps the estimate above 0.8, three changed ones put it just below.
    const steady = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`l${i}`, 'v']));
    const probes = [
      { ...steady, request: 'bx' },
      { ...steady, request: 'cx' },
      { ...steady, l0: 'w', l1: 'w', request: 'dx' },
    ];
    // One at a time: each decision depends on the clusters and volatile labels the previous ones left.
    for (const [second, labels] of probes.entries()) {
      await post([alert('sim-probe-bcdfg', second, { alertname: 'SimilarityProbe', labels })]);
      await until('gateway_fingerprint_computed_total', similarity, (v) => v >= second + 1, `similarity ${second}`);
    }
    await quiet();
    expect(delta(await scrape())).toEqual([2, 1, 1, 3, 3, 3]);
    // Two values in two firings make `request` volatile after the second; l0 and l1 follow after the third.
    expect(readMetric(text, 'gateway_fingerprint_volatile_label_keys')).toBe(3);
    // Every cluster is named by the first pod's fingerprint: one RR, counted three times (2 duplicates of 3).
    await until('gateway_fingerprint_dedup_ratio', similarity, (v) => Math.abs(v - 2 / 3) < 1e-9, 'two thirds');
    await fx.waitForCount(podRrName('SimilarityProbe', NAMESPACE, 'sim-probe-bcdfg'), 3);
  });

  it(SCENARIO.outage, async () => {
    const delta = await snapshot([
      ['gateway_retry_attempts_total', { operation: 'rr.create', error_type: 'service_unavailable' }],
      ['gateway_retry_exhausted_total', { operation: 'rr.create', error_type: 'service_unavailable' }],
      ['gateway_crd_creation_errors_total', { error_type: 'service_unavailable' }],
      ['gateway_crds_created_total'],
      ['gateway_circuit_breaker_probes_total', { name: 'k8s-api' }],
      ['gateway_jobs_parked_total'],
    ]);
    const parkedBefore = await value('gateway_jobs_parked_total', {});
    fx.sandbox.faults.set({ errorStatus: 503, match: creates });
    try {
      await post([alert('outage-0', 0)]);
      await until('gateway_circuit_breaker_state', { name: 'k8s-api' }, (v) => v === 2, 'the breaker to open');
      // While creates still fail, a run meets the open breaker and is parked: wait for it rather than for time.
      await until('gateway_jobs_parked_total', {}, (v) => v >= parkedBefore + 1, 'a run parked at the open breaker');
      // The signal waits in the queue (sampled every second) rather than being lost.
      await waitFor(
        async () =>
          (await value('gateway_queue_depth', { state: 'waiting' })) +
            readMetric(text, 'gateway_queue_depth', { state: 'delayed' }) >=
          1,
        { timeoutMs: 30_000, intervalMs: 200, description: 'the job to wait in the queue' },
      );
    } finally {
      fx.sandbox.faults.clear();
    }
    await rrExists('outage-0');
    // Half-open closes after a few successful calls: another alert's create and status write supply them.
    await post([alert('outage-1', 0)]);
    await rrExists('outage-1');
    await quiet();
    await until('gateway_circuit_breaker_state', { name: 'k8s-api' }, (v) => v === 0, 'the breaker to close');
    await until('gateway_queue_depth', { state: 'delayed' }, (v) => v === 0, 'no delayed job');
    const [retries = 0, exhausted = 0, failedCreates, created, probes, parked] = delta(await scrape());
    // Each exhausted create spent its two in-process retries first and then failed its job attempt.
    expect(exhausted).toBeGreaterThanOrEqual(1);
    expect(retries).toBeGreaterThanOrEqual(2 * exhausted);
    expect(failedCreates).toBe(exhausted);
    expect(created).toBe(2);
    // Only creates fail, so the open breaker's probes succeed and half-open it; runs meeting it open park.
    expect(probes).toBeGreaterThanOrEqual(1);
    expect(parked).toBeGreaterThanOrEqual(1);
  });

  it(SCENARIO.refused, async () => {
    const delta = await snapshot([
      ['gateway_crd_creation_errors_total', { error_type: 'forbidden' }],
      ['gateway_jobs_failed_total', { reason: 'forbidden' }],
      ['gateway_crds_created_total'],
    ]);
    const failedEvents = await value('gateway_audit_events_total', { event_type: 'gateway.crd.failed' });
    fx.sandbox.faults.set({ errorStatus: 403, match: creates });
    try {
      await post([alert('refused-0', 0)]);
      await until('gateway_jobs_failed_total', { reason: 'forbidden' }, (v) => v >= 1, 'the job to fail');
      await quiet();
    } finally {
      fx.sandbox.faults.clear();
    }
    expect(delta(await scrape())).toEqual([1, 1, 0]);
    await until(
      'gateway_audit_events_total',
      { event_type: 'gateway.crd.failed' },
      (v) => v === failedEvents + 1,
      'the crd.failed event shipped',
    );
  });

  it(SCENARIO.auditOutage, async () => {
    const delta = await snapshot([['gateway_audit_batches_total', { result: 'retry' }]]);
    const shipped = await value('gateway_audit_events_total', { event_type: 'gateway.crd.created' });
    const retriesBefore = await value('gateway_audit_batches_total', { result: 'retry' });
    stub.failWith(503);
    try {
      await post([alert('audit-0', 0)]);
      await rrExists('audit-0');
      await until('gateway_audit_backlog', {}, (v) => v >= 2, 'the received and created events in the backlog');
      await until('gateway_audit_oldest_pending_age_seconds', {}, (v) => v > 0, 'a pending age');
      // Data Storage comes back only after the shipper met the outage; a loaded machine may not have tried yet.
      await until('gateway_audit_batches_total', { result: 'retry' }, (v) => v > retriesBefore, 'a refused shipment');
    } finally {
      stub.reset();
    }
    await until(
      'gateway_audit_events_total',
      { event_type: 'gateway.crd.created' },
      (v) => v === shipped + 1,
      'shipped',
    );
    await until('gateway_audit_backlog', {}, (v) => v === 0, 'an empty backlog');
    expect(readMetric(text, 'gateway_audit_oldest_pending_age_seconds')).toBe(0);
    const [retried] = delta(text);
    expect(retried).toBeGreaterThanOrEqual(1);
  });

  it(SCENARIO.deadLetter, async () => {
    const delta = await snapshot([
      ['gateway_audit_events_dead_total', { reason: 'rejected' }],
      ['gateway_audit_batches_total', { result: 'split' }],
    ]);
    const shipped = await value('gateway_audit_events_total', { event_type: 'gateway.signal.received' });
    const pod = 'dead-0';
    stub.rejectWhen((event) => {
      const { event_type, event_data } = event as { event_type?: string; event_data?: { resource_name?: string } };
      return event_type === 'gateway.crd.created' && event_data?.resource_name === pod;
    });
    try {
      await post([alert(pod, 0)]);
      await until('gateway_audit_events_dead_total', { reason: 'rejected' }, (v) => v >= 1, 'a dead letter');
      // Its received event, refused with it in one batch, gets through once the batch is split.
      await until(
        'gateway_audit_events_total',
        { event_type: 'gateway.signal.received' },
        (v) => v === shipped + 1,
        'shipped',
      );
    } finally {
      stub.rejectWhen(undefined);
    }
    // Both events of the new window are appended in one step, so they share a batch that must be split.
    expect(delta(await scrape())).toEqual([1, expect.any(Number)]);
    expect(delta(text)[1]).toBeGreaterThanOrEqual(1);
  });

  it(SCENARIO.settings, async () => {
    const ready = (await (await fetch(`${fx.stack.workerUrl}/readyz`)).json()) as { configHash: string };
    expect(await value('gateway_config_info', { hash: ready.configHash })).toBe(1);
    expect(readMetric(text, 'gateway_config_info')).toBe(1);
    expect(await value('gateway_config_last_reload_successful')).toBe(1);
    expect(await value('gateway_config_last_reload_success_timestamp_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 3600,
    );
    expect(await value('gateway_config_restart_required')).toBe(0);

    // SIGHUP reads the same configuration again: nothing to apply, and the attempt is counted.
    fx.stack.signal('worker', 'SIGHUP');
    await until('gateway_config_reloads_total', { result: 'unchanged', trigger: 'signal' }, (v) => v === 1, 'a reload');
    expect(await value('gateway_config_info', { hash: ready.configHash })).toBe(1);
  });
});
