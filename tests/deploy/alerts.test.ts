import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SIGNAL_QUEUE_NAME, type SignalBatchJob } from '@gateway/contracts';
import {
  createTestRedis,
  type DataStorageStub,
  type K8sObject,
  parsePrometheusText,
  repoRoot,
  startDataStorageStub,
  startGatewayStack,
  waitFor,
} from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerWebhook, type PodAlert, podRrName, postWebhook } from '../support/alerts.js';
import { type GatewayFixture, startGatewayFixture } from '../support/gateway-fixture.js';
import { type EarlierView, evaluateInstant, promSelectors, type Sample, thresholdOf } from '../support/promql.js';
import {
  type App,
  appExports,
  renderDeployed,
  type ScrapeJob,
  scrapeJobs,
  selectorProblems,
} from '../support/scrape.js';

// What `kubectl apply -k k8s/base` deploys must get both apps scraped and alert on real trouble: every alert reads
// only series the app it names really exports, proven by scraping the running apps, and the alerts whose trouble
// a test can cause in seconds fire, while the others stay quiet, when evaluated over those scrapes. Trouble that
// takes minutes is caused with its stored timestamps moved back; a threshold sized for production is swapped for
// one the test reaches, on the same real series.

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const deployed = renderDeployed();
const { objects, config: deployedConfig } = deployed;
const ofKind = (kind: string): K8sObject[] => objects.filter((object) => object.kind === kind);

const rules: Rule[] = ofKind('PrometheusRule').flatMap((object) =>
  (object.spec as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules),
);
const alerts = rules.filter((rule): rule is Rule & { alert: string } => rule.alert !== undefined);
const rule = (name: string): Rule => {
  const found = alerts.find((candidate) => candidate.alert === name);
  if (!found) throw new Error(`no alert ${name}`);
  return found;
};

const slug = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
const runbookSections = (): Map<string, string> => {
  const doc = readFileSync(resolve(repoRoot, 'docs', 'alerts.md'), 'utf8');
  const sections = new Map<string, string>();
  for (const part of doc.split(/^## /m).slice(1)) {
    const [heading = '', ...body] = part.split('\n');
    sections.set(slug(heading.trim()), body.join('\n'));
  }
  return sections;
};

describe('alerts', () => {
  const found = scrapeJobs(deployed);
  const jobs: Record<App, ScrapeJob> = {
    ingress: found.jobs.ingress[0] ?? { job: '', path: '' },
    worker: found.jobs.worker[0] ?? { job: '', path: '' },
  };
  const appOfJob = new Map<string, App>([
    [jobs.ingress.job, 'ingress'],
    [jobs.worker.job, 'worker'],
  ]);

  it('scrapes each app once, on /metrics, through a Service that reaches its listening port', () => {
    expect(found.problems).toEqual([]);
    // A second job per pod would double every sum an alert takes.
    expect(found.jobs).toEqual({
      ingress: [{ job: 'signal-gateway', path: '/metrics' }],
      worker: [{ job: 'signal-gateway-worker', path: '/metrics' }],
    });
  });

  it('gives every alert a wait, a severity, a summary, a description and a runbook section', () => {
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts).toHaveLength(rules.length);
    const sections = runbookSections();
    for (const { alert, for: wait, labels, annotations } of alerts) {
      expect(wait, alert).toMatch(/^[1-9][0-9]*[smh]$/);
      expect(['critical', 'warning'], alert).toContain(labels?.severity);
      expect(annotations?.summary, alert).toBeTruthy();
      expect(annotations?.description, alert).toBeTruthy();
      expect(annotations?.runbook_url, alert).toBe(`docs/alerts.md#${slug(alert)}`);
      const section = sections.get(slug(alert)) ?? '';
      for (const part of ['What it means', 'What to check', 'What to do']) expect(section, alert).toContain(part);
    }
    // No runbook outlives its alert.
    expect([...sections.keys()].sort()).toEqual(alerts.map(({ alert }) => slug(alert)).sort());
  });

  it('parses every expression and has each selector name the scrape job of the app it reads', () => {
    for (const { alert, expr } of alerts) {
      const selectors = promSelectors(expr);
      expect(selectors.length, alert).toBeGreaterThan(0);
      for (const selector of selectors) {
        const job = selector.matchers.filter((matcher) => matcher.label === 'job');
        expect(job, `${alert}: ${selector.metric}`).toHaveLength(1);
        expect(job[0]?.op, `${alert}: ${selector.metric}`).toBe('=');
        expect(appOfJob.has(job[0]?.value ?? ''), `${alert}: job ${job[0]?.value}`).toBe(true);
      }
    }
  });

  it('warns about a filling queue or audit backlog before the deployed limit refuses signals', () => {
    const queue = thresholdOf(rule('GatewayQueueBacklogHigh').expr);
    const audit = thresholdOf(rule('GatewayAuditBacklogHigh').expr);
    expect(queue?.op).toBe('>');
    expect(audit?.op).toBe('>');
    expect(queue?.threshold).toBeLessThan(deployedConfig.queue.lowWaterMark);
    expect(audit?.threshold).toBeLessThan(deployedConfig.audit.maxBacklog * 0.8);
  });

  describe('against the running apps', () => {
    const HIGH_WATER_MARK = 100;
    let fx: GatewayFixture;
    let dataStorage: DataStorageStub;
    const scrapes: Record<App, string[]> = { ingress: [], worker: [] };
    const urls = (): Record<App, string> => ({ ingress: fx.stack.ingressUrl, worker: fx.stack.workerUrl });

    /** Scrapes `app` the way its ServiceMonitor does; keeps the text for the export checks. */
    const scrape = async (app: App, url = urls()[app]): Promise<string> => {
      const response = await fetch(`${url}${jobs[app].path}`);
      expect(response.status).toBe(200);
      const text = await response.text();
      scrapes[app].push(text);
      return text;
    };
    /** What Prometheus would hold after one scrape of both apps: target labels added, `up` per target. */
    const prometheusView = async (targets = urls()): Promise<Sample[]> => {
      const series: Sample[] = [];
      for (const app of ['ingress', 'worker'] as const) {
        const target = { job: jobs[app].job, instance: new URL(targets[app]).host };
        const text = await scrape(app, targets[app]).catch(() => undefined);
        series.push({ labels: { __name__: 'up', ...target }, value: text === undefined ? 0 : 1 });
        for (const sample of parsePrometheusText(text ?? '')) {
          series.push({ labels: { ...sample.labels, __name__: sample.name, ...target }, value: sample.value });
        }
      }
      return series;
    };
    const alert = (pod: string, extra: Partial<PodAlert> = {}): PodAlert => ({
      alertname: 'AlertsProbe',
      namespace: 'alerts',
      pod,
      startsAt: '2026-12-01T08:00:00.000Z',
      ...extra,
    });
    const post = (alerts: PodAlert[]) =>
      postWebhook(fx.stack.ingressUrl, fx.stack.token, alertmanagerWebhook(alerts), { retryUnavailable: false });
    const rrExists = (pod: string) =>
      waitFor(() => fx.rrs().some((rr) => rr.metadata.name === podRrName('AlertsProbe', 'alerts', pod)), {
        timeoutMs: 20_000,
        description: `the RR of ${pod}`,
      });

    beforeAll(async () => {
      dataStorage = await startDataStorageStub();
      fx = await startGatewayFixture({
        stack: {
          remediationNamespace: 'kubernaut-system',
          dataStorageUrl: dataStorage.url,
          env: {
            ingress: {
              GATEWAY_CFG__QUEUE__HIGH_WATER_MARK: String(HIGH_WATER_MARK),
              GATEWAY_CFG__QUEUE__LOW_WATER_MARK: String(HIGH_WATER_MARK / 2),
            },
          },
        },
      });
    }, 60_000);

    afterAll(async () => {
      await fx?.close();
      await dataStorage?.close();
    });

    // The worker counts a decision just after the RR exists.
    const decided = (count: number) =>
      waitFor(
        async () =>
          parsePrometheusText(await scrape('worker'))
            .filter((sample) => sample.name === 'gateway_signal_latency_seconds_count')
            .reduce((total, sample) => total + sample.value, 0) >= count,
        { timeoutMs: 10_000, description: `${count} decided signals` },
      );
    /** The previous view and when it was taken, standing for the start of every window an alert reads. */
    let before: { series: Sample[]; at: number } | undefined;
    /** `advance: false` leaves the earlier view in place, for a look that must not shorten the next window. */
    const view = async (advance = true): Promise<{ series: Sample[]; earlier: EarlierView | undefined }> => {
      const series = await prometheusView();
      const earlier = before && { series: before.series, seconds: (Date.now() - before.at) / 1000 };
      if (advance) before = { series, at: Date.now() };
      return { series, earlier };
    };
    const firing = (name: string, { series, earlier }: { series: Sample[]; earlier: EarlierView | undefined }) =>
      evaluateInstant(rule(name).expr, series, earlier);
    // A scrape that times out under load reads as a target down; these views must be ones where both answered.
    const viewOfBoth = async (advance = true): Promise<{ series: Sample[]; earlier: EarlierView | undefined }> => {
      let taken: Awaited<ReturnType<typeof view>> | undefined;
      await waitFor(
        async () => {
          taken = await view(advance);
          return taken.series.filter((s) => s.labels.__name__ === 'up' && s.value === 1).length === 2;
        },
        { timeoutMs: 10_000, description: 'a view in which both apps answered' },
      );
      if (!taken) throw new Error('no view taken');
      return taken;
    };
    const refuseCreates = () =>
      fx.sandbox.faults.set({
        errorStatus: 403,
        match: (request) => request.method === 'POST' && request.path.endsWith('/remediationrequests'),
      });
    /** The last view the first worker process answered in, for windows that span its restart. */
    let firstWorkerView: { series: Sample[]; at: number } | undefined;

    it('stays quiet while both apps decide signals, and reports signals the API refuses', async () => {
      expect((await post([alert('decided-0')])).status).toBe(202);
      await rrExists('decided-0');
      await decided(1);
      // The earlier view must hold the ingress's failed-jobs gauge (at 0) for the growth alert's `offset` side: on a
      // loaded machine its first queue sample can still be on its way.
      await waitFor(
        async () =>
          parsePrometheusText(await scrape('ingress')).some(
            (s) => s.name === 'gateway_queue_depth' && s.labels.state === 'failed',
          ),
        { timeoutMs: 10_000, description: "the ingress's first failed-jobs sample" },
      );
      await viewOfBoth();
      expect((await post([alert('decided-1')])).status).toBe(202);
      await rrExists('decided-1');
      await decided(2);
      await waitFor(() => dataStorage.events().length > 0, {
        timeoutMs: 10_000,
        description: 'audit events delivered to Data Storage',
      });
      // The refusal's window below must still hold this decision, or no worker would seem to consume.
      const healthy = await viewOfBoth(false);
      expect(alerts.map(({ alert: name }) => name).filter((name) => firing(name, healthy).length > 0)).toEqual([]);
      refuseCreates();
      try {
        expect((await post([alert('refused-0')])).status).toBe(202);
        await waitFor(
          async () => parsePrometheusText(await scrape('worker')).some((s) => s.name === 'gateway_jobs_failed_total'),
          { timeoutMs: 20_000, description: 'the refused signal to fail' },
        );
      } finally {
        fx.sandbox.faults.clear();
      }
      // The ingress samples the failed jobs every 250 ms.
      await waitFor(
        async () =>
          parsePrometheusText(await scrape('ingress')).some(
            (s) => s.name === 'gateway_queue_depth' && s.labels.state === 'failed' && s.value > 0,
          ),
        { timeoutMs: 10_000, description: 'the failed job in the ingress queue sample' },
      );
      const now = await view();
      const quiet = [
        'GatewayIngressDown',
        'GatewayIngressInstanceDown',
        'GatewayWorkerDown',
        'GatewayWorkerInstanceDown',
        'GatewayWorkerNotConsuming',
        'GatewayBackpressureActive',
        'GatewayQueueBacklogHigh',
        'GatewayQueueOldestSignalOld',
        'GatewayCircuitBreakerOpen',
        'GatewayAuthDisabled',
        'GatewayAuditDelayed',
        'GatewayAuditBacklogHigh',
        'GatewayAuditDeadLetters',
      ];
      expect(quiet.filter((name) => firing(name, now).length > 0)).toEqual([]);
      // The reason's series was born with this failure: only the alert's second arm can see it.
      expect(firing('GatewaySignalsFailed', now)).toEqual([{ labels: { reason: 'forbidden' }, value: 1 }]);
      expect(firing('GatewayFailedJobsGrowing', now)).toEqual([{ labels: {}, value: 1 }]);

      // The refusal also started the create-errors series; a second one is what its rate can see.
      refuseCreates();
      try {
        expect((await post([alert('refused-1')])).status).toBe(202);
        await waitFor(
          async () =>
            parsePrometheusText(await scrape('worker'))
              .filter((s) => s.name === 'gateway_crd_creation_errors_total')
              .reduce((total, s) => total + s.value, 0) >= 2,
          { timeoutMs: 20_000, description: 'the second refused create' },
        );
      } finally {
        fx.sandbox.faults.clear();
      }
      const refusedAgain = await viewOfBoth();
      firstWorkerView = before;
      expect(firing('GatewayCreateErrors', refusedAgain).map((sample) => sample.labels)).toEqual([
        { error_type: 'forbidden' },
      ]);
    });

    it('fires the worker, backpressure and queue age alerts once the worker stops and the queue reaches its mark', async () => {
      await fx.stack.kill('worker');
      const burst = Array.from({ length: HIGH_WATER_MARK }, (_, index) => alert(`queued-${index}`));
      expect((await post(burst)).status).toBe(202);
      // The ingress closes the gate at its next queue sample (every 250 ms).
      await waitFor(
        async () =>
          parsePrometheusText(await scrape('ingress')).some(
            (s) => s.name === 'gateway_backpressure_active' && s.value === 1,
          ),
        { timeoutMs: 10_000, description: 'the gate to close' },
      );
      expect((await post([alert('refused-by-gate')])).status).toBe(503);
      // The job at the head stands for one that has waited past the age threshold: its add time is moved back
      // rather than the test waiting minutes, and the ingress reads it at its next sample.
      const age = thresholdOf(rule('GatewayQueueOldestSignalOld').expr);
      const redis = createTestRedis();
      try {
        const queueKey = `${fx.stack.queuePrefix}:${SIGNAL_QUEUE_NAME}:`;
        const head = await redis.lindex(`${queueKey}wait`, -1);
        expect(head).not.toBeNull();
        const addedAt = Date.now() - ((age?.threshold ?? 0) + 60) * 1000;
        await redis.hset(`${queueKey}${head}`, 'timestamp', String(addedAt));
      } finally {
        redis.disconnect();
      }
      await waitFor(
        async () =>
          parsePrometheusText(await scrape('ingress')).some(
            (s) => s.name === 'gateway_queue_oldest_waiting_age_seconds' && s.value > (age?.threshold ?? 0),
          ),
        { timeoutMs: 10_000, description: 'the ingress to sample the waiting age' },
      );
      const now = await view();
      const fired = [
        'GatewayBackpressureActive',
        'GatewayQueueOldestSignalOld',
        'GatewayWorkerDown',
        'GatewayWorkerInstanceDown',
        'GatewayWorkerNotConsuming',
        'GatewayIngressDown',
        'GatewayIngressInstanceDown',
      ].filter((name) => firing(name, now).length > 0);
      expect(fired).toEqual([
        'GatewayBackpressureActive',
        'GatewayQueueOldestSignalOld',
        'GatewayWorkerDown',
        'GatewayWorkerInstanceDown',
        'GatewayWorkerNotConsuming',
      ]);
      // The backlog alert's left side measures the signals the gate counts; its threshold is for production sizes.
      const backlog = thresholdOf(rule('GatewayQueueBacklogHigh').expr);
      expect(evaluateInstant(backlog?.lhs ?? '', now.series).map((sample) => sample.value)).toEqual([HIGH_WATER_MARK]);
      // The gate closes long before a production-sized backlog: the same expression with a mark below the one
      // the test reaches fires.
      expect(firing('GatewayQueueBacklogHigh', now)).toEqual([]);
      expect(evaluateInstant(`${backlog?.lhs} ${backlog?.op} ${HIGH_WATER_MARK - 1}`, now.series)).toHaveLength(1);
      // The first 503 created its series; a rate needs it in two scrapes, as it does in Prometheus.
      expect((await post([alert('refused-by-gate')])).status).toBe(503);
      expect(firing('GatewayRequestsUnavailable', await view())).toEqual([{ labels: {}, value: 1 }]);
    });

    it('fires the signal wait and audit alerts when the worker comes back to late signals and Data Storage refuses audit', async () => {
      const wait = thresholdOf(rule('GatewaySignalWaitHigh').expr)?.threshold ?? 0;
      const delay = thresholdOf(rule('GatewayAuditDelayed').expr)?.threshold ?? 0;
      dataStorage.failWith(503);
      const redis = createTestRedis();
      try {
        // The queued signals stand for ones received long enough ago to breach the wait percentile: their receipt
        // time is moved back rather than the test waiting, since the worker measures the wait from it.
        const queueKey = `${fx.stack.queuePrefix}:${SIGNAL_QUEUE_NAME}:`;
        const receivedTime = new Date(Date.now() - (wait + 15) * 1000).toISOString();
        for (const id of await redis.lrange(`${queueKey}wait`, 0, -1)) {
          const job = JSON.parse((await redis.hget(`${queueKey}${id}`, 'data')) ?? '{}') as SignalBatchJob;
          for (const queued of job.signals) queued.signal.receivedTime = receivedTime;
          await redis.hset(`${queueKey}${id}`, 'data', JSON.stringify(job));
        }
        // Likewise an audit event appended minutes ago heads the stream: Redis dates an entry by its id, which
        // only grows, so the stream (empty but for what no worker has shipped) is rebuilt behind it while no
        // worker reads it. The shipper recreates its consumer group from the stream's start.
        const stream = `${fx.stack.queuePrefix}:audit`;
        const shipped = dataStorage.events()[0];
        expect(shipped).toBeDefined();
        const unshipped = await redis.xrange(stream, '-', '+');
        const rebuild = redis
          .multi()
          .del(stream)
          .xadd(stream, `${Date.now() - (delay + 60) * 1000}-0`, 'event', JSON.stringify(shipped));
        for (const [, fields] of unshipped) rebuild.xadd(stream, '*', ...fields);
        await rebuild.exec();
      } finally {
        redis.disconnect();
      }
      try {
        await fx.stack.restart('worker');
        await decided(HIGH_WATER_MARK);
        // The shipper samples its backlog every 5 s; each decided signal left at least one audit event behind.
        await waitFor(
          async () =>
            parsePrometheusText(await scrape('worker')).some(
              (s) => s.name === 'gateway_audit_backlog' && s.value > HIGH_WATER_MARK,
            ),
          { timeoutMs: 15_000, description: 'the audit backlog sample' },
        );
        const now = await viewOfBoth();
        expect(firing('GatewayAuditDelayed', now).map((sample) => sample.value > delay)).toEqual([true]);
        // Its threshold is for production sizes: the same expression with the reachable mark fires.
        const backlog = thresholdOf(rule('GatewayAuditBacklogHigh').expr);
        expect(firing('GatewayAuditBacklogHigh', now)).toEqual([]);
        expect(evaluateInstant(`${backlog?.lhs} ${backlog?.op} ${HIGH_WATER_MARK}`, now.series)).toHaveLength(1);
        // The worker ran before the queue filled; as in Prometheus, the window spans its restart and the
        // histogram's reset is read per bucket.
        const earlier = firstWorkerView && {
          series: firstWorkerView.series,
          seconds: (Date.now() - firstWorkerView.at) / 1000,
        };
        const quantile = firing('GatewaySignalWaitHigh', { series: now.series, earlier });
        expect(quantile.map((sample) => sample.value > wait)).toEqual([true]);
      } finally {
        dataStorage.reset();
      }
    });

    it('fires the dead letter, circuit breaker, ingress and auth alerts when Data Storage refuses an event, the API fails and the ingress stops', async () => {
      dataStorage.rejectWhen((event) => JSON.stringify(event).includes('dead-letter-0'));
      try {
        expect((await post([alert('dead-letter-0')])).status).toBe(202);
        // The shipper splits the refused batch until the event is alone, then dead-letters it.
        await waitFor(
          async () =>
            parsePrometheusText(await scrape('worker')).some(
              (s) => s.name === 'gateway_audit_events_dead_total' && s.value > 0,
            ),
          { timeoutMs: 15_000, description: 'the refused audit event to be dead-lettered' },
        );
      } finally {
        dataStorage.rejectWhen(undefined);
      }
      const dead = await viewOfBoth();
      expect(firing('GatewayAuditDeadLetters', dead).map((sample) => sample.value > 0)).toEqual([true]);

      // Every API call fails until the breaker has seen enough of them in its window; no later phase needs it
      // closed.
      fx.sandbox.faults.set({ errorStatus: 503 });
      try {
        const burst = Array.from({ length: 12 }, (_, index) => alert(`breaker-${index}`));
        expect((await post(burst)).status).toBe(202);
        await waitFor(
          async () =>
            parsePrometheusText(await scrape('worker')).some(
              (s) => s.name === 'gateway_circuit_breaker_state' && s.value === 2,
            ),
          { timeoutMs: 15_000, description: 'the breaker to open' },
        );
        expect(firing('GatewayCircuitBreakerOpen', await viewOfBoth()).map((sample) => sample.labels)).toEqual([
          { name: 'k8s-api' },
        ]);
      } finally {
        fx.sandbox.faults.clear();
      }

      await fx.stack.kill('ingress');
      const stopped = await view();
      const instance = new URL(fx.stack.ingressUrl).host;
      expect(firing('GatewayIngressDown', stopped)).toEqual([{ labels: {}, value: 0 }]);
      expect(firing('GatewayIngressInstanceDown', stopped).map((sample) => sample.labels.instance)).toEqual([instance]);

      // Auth is chosen at start-up: an ingress started without credentials stands in for the stopped one.
      const open = await startGatewayStack({ apps: ['ingress'], authMode: 'none' });
      try {
        const series = await prometheusView({ ingress: open.ingressUrl, worker: fx.stack.workerUrl });
        expect(firing('GatewayAuthDisabled', { series, earlier: undefined })).toEqual([{ labels: {}, value: 1 }]);
      } finally {
        await open.stop();
      }
    });

    it('reads only metrics and labels the app named by each selector exports', () => {
      const exported = { ingress: appExports(scrapes.ingress), worker: appExports(scrapes.worker) };
      expect(exported.ingress.samples.length).toBeGreaterThan(0);
      expect(exported.worker.samples.length).toBeGreaterThan(0);

      const problems: string[] = [];
      for (const { alert: name, expr } of alerts) {
        for (const selector of promSelectors(expr)) {
          const app = appOfJob.get(selector.matchers.find((matcher) => matcher.label === 'job')?.value ?? '');
          // `up` is written by Prometheus itself for every target of the job.
          if (!app || selector.metric === 'up') continue;
          problems.push(...selectorProblems(selector, app, exported[app]).map((problem) => `${name}: ${problem}`));
        }
      }
      expect(problems).toEqual([]);
    });
  });
});
