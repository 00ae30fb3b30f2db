// `pnpm bench`: the load scenarios of docs/benchmarks.md against the built gateway, all on 127.0.0.1.
//   ceiling  a bare Hono handler answering 202, same load, same run: what this machine can do at best
//   L1       ingress + worker + kube sandbox (5 ms API latency) + Redis at BENCH_RATE alerts/s (1000), one alert per
//            request, BENCH_FINGERPRINTS (500) distinct fingerprints, for BENCH_DURATION_S (60) seconds; then the
//            queue drains and Σ occurrenceCount over the created RRs must equal the accepted firing signals
//   L3       alert → RR latency of new fingerprints probed during L1, and the worker's decision and job latency
//            histograms from its /metrics
// Prints a summary and writes reports/bench.json. Targets are reported; BENCH_ENFORCE=1 exits 1 when one is missed.
// Needs the build output (pnpm build) and a Redis at REDIS_URL; see docs/benchmarks.md.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = fileURLToPath(new URL('..', import.meta.url));
const NAMESPACE = 'kubernaut-system';
const RR_PATH = `/apis/kubernaut.ai/v1alpha1/namespaces/${NAMESPACE}/remediationrequests`;

const int = (name, fallback, min = 0) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got ${raw}`);
  return value;
};

const config = {
  durationS: int('BENCH_DURATION_S', 60, 1),
  rate: int('BENCH_RATE', 1000, 1),
  fingerprints: int('BENCH_FINGERPRINTS', 500, 1),
  connections: int('BENCH_CONNECTIONS', 50, 1),
  phases: int('BENCH_PHASES', 10, 1),
  ceilingDurationS: int('BENCH_CEILING_DURATION_S', Math.min(int('BENCH_DURATION_S', 60, 1), 20), 1),
  l3Samples: int('BENCH_L3_SAMPLES', 20, 0),
  sandboxLatencyMs: int('BENCH_SANDBOX_LATENCY_MS', 5, 0),
  logLevel: process.env.BENCH_LOG_LEVEL || 'warn',
  enforce: process.env.BENCH_ENFORCE === '1',
  redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
};

const TARGETS = {
  l1P95Ms: 50,
  l1P99Ms: 100,
  l3DecisionP99Ms: 10,
  l3JobLatencyP95Ms: 500,
};

const log = (...parts) => process.stderr.write(`[bench] ${parts.join(' ')}\n`);

function requireBuild() {
  const needed = ['packages/testkit/dist/index.js', 'apps/ingress/dist/main.js', 'apps/worker/dist/main.js'];
  const missing = needed.filter((p) => !existsSync(join(root, p)));
  if (missing.length > 0) throw new Error(`missing build output ${missing.join(', ')}: run pnpm build first`);
}

// ---------- statistics ----------

function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

const round = (x, digits = 2) => (x === null || x === undefined ? null : Number(x.toFixed(digits)));

function latencySummary(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

// ---------- load ----------

/**
 * One Alertmanager webhook v4 body per request, one alert each, cycling over `fingerprints` pods. Each request gets
 * its own startsAt so it is a new occurrence, not a redelivery of the same item, and counts once.
 */
function createAlertGenerator(alertname, fingerprints) {
  const base = Date.now();
  let n = 0;
  const templates = Array.from({ length: fingerprints }, (_, i) => {
    const pod = `bench-pod-${String(i).padStart(4, '0')}`;
    return JSON.stringify({
      version: '4',
      groupKey: `{}:{alertname="${alertname}"}`,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'gateway',
      groupLabels: { alertname },
      commonLabels: { alertname, namespace: 'bench' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager.bench:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname, namespace: 'bench', pod, severity: 'warning' },
          annotations: { summary: `${pod} is unhappy` },
          startsAt: '__STARTS_AT__',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.bench:9090/graph',
          fingerprint: createHash('sha256').update(pod).digest('hex').slice(0, 16),
        },
      ],
    });
  });
  return {
    next() {
      const body = templates[n % fingerprints].replace('__STARTS_AT__', new Date(base + n).toISOString());
      n += 1;
      return body;
    },
  };
}

/**
 * Fixed-rate load with autocannon; every response time is kept per status so exact percentiles can be reported.
 *
 * autocannon's rate limit hands each connection its quota at the start of every second, so one instance sends its
 * whole second's load as one burst. To get an arrival pattern closer to a steady 1000/s (what a fleet of
 * Alertmanagers produces), the rate is split over `phases` instances whose seconds start 1/phases s apart.
 */
async function runLoad({ url, path, token, durationS, rate, connections, phases, generator }) {
  const times = new Map();
  const record = (_client, statusCode, _bytes, responseTime) => {
    let list = times.get(statusCode);
    if (!list) {
      list = [];
      times.set(statusCode, list);
    }
    list.push(responseTime);
  };
  const phaseCount = Math.max(1, Math.min(phases, rate));
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const runs = [];
  for (let i = 0; i < phaseCount; i++) {
    const phaseRate = Math.floor(rate / phaseCount) + (i < rate % phaseCount ? 1 : 0);
    const phaseConnections = Math.max(1, Math.round(connections / phaseCount));
    // Staggered start; the load itself is what is measured, so this pause is part of the schedule, not a wait.
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1000 / phaseCount));
    const instance = autocannon({
      url,
      connections: phaseConnections,
      overallRate: phaseRate,
      duration: durationS,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          path,
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          setupRequest: (req) => ({ ...req, body: generator.next() }),
        },
      ],
    });
    instance.on('response', record);
    runs.push(instance);
  }
  const results = await Promise.all(runs);
  const elapsedS = (performance.now() - started) / 1000;
  const loaderCpu = process.cpuUsage(cpuStart);
  const statusCounts = Object.fromEntries([...times.entries()].map(([code, list]) => [code, list.length]));
  const responses = [...times.values()].reduce((sum, list) => sum + list.length, 0);
  const ok = times.get(202) ?? [];
  return {
    rate,
    durationS,
    connections: Math.max(1, Math.round(connections / phaseCount)) * phaseCount,
    phases: phaseCount,
    responses,
    // Per second of load: every instance runs durationS; the stagger only shifts their windows.
    throughputPerS: round(responses / durationS, 1),
    wallClockS: round(elapsedS, 1),
    loaderCpuCores: round((loaderCpu.user + loaderCpu.system) / 1e6 / elapsedS, 2),
    accepted: ok.length,
    latencyMs202: latencySummary(ok),
    statusCounts,
    non202: responses - ok.length,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    timeouts: results.reduce((sum, r) => sum + r.timeouts, 0),
  };
}

// ---------- gateway observation ----------

async function scrape(testkit, url) {
  return testkit.scrapeMetrics(`${url}/metrics`);
}

async function gatewayProgress(testkit, stack) {
  const [ingress, worker] = await Promise.all([scrape(testkit, stack.ingressUrl), scrape(testkit, stack.workerUrl)]);
  return {
    enqueued: testkit.sumMetric(ingress, 'gateway_signals_received_total'),
    decided: testkit.sumMetric(worker, 'gateway_signal_latency_seconds_count'),
  };
}

function aboveTopBucket(histogram, q) {
  const total = histogram.buckets.at(-1)?.count ?? 0;
  const finite = histogram.buckets.filter((b) => Number.isFinite(b.le)).at(-1)?.count ?? 0;
  return total > 0 && finite < q * total;
}

/** CPU seconds used so far by each app (prom-client's default process metrics). */
async function cpuSeconds(testkit, stack) {
  const [ingress, worker] = await Promise.all([scrape(testkit, stack.ingressUrl), scrape(testkit, stack.workerUrl)]);
  return {
    ingress: testkit.sumMetric(ingress, 'process_cpu_seconds_total'),
    worker: testkit.sumMetric(worker, 'process_cpu_seconds_total'),
  };
}

async function listRemediationRequests(sandboxUrl) {
  const res = await fetch(`${sandboxUrl}${RR_PATH}`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`listing RRs answered ${res.status}`);
  return (await res.json()).items ?? [];
}

/** Streams RR watch events and calls onAdded(rr, at) for each ADDED; re-watches when the stream ends. */
function watchAdded(sandboxUrl, onAdded) {
  const abort = new AbortController();
  const loop = async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(`${sandboxUrl}${RR_PATH}?watch=true`, { signal: abort.signal });
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of res.body) {
          buffer += decoder.decode(chunk, { stream: true });
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line) {
              const event = JSON.parse(line);
              if (event.type === 'ADDED') onAdded(event.object, performance.now());
            }
            newline = buffer.indexOf('\n');
          }
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      // Pause before re-watching so a sandbox that refuses watches is not hammered.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const done = loop();
  return async () => {
    abort.abort();
    await done.catch(() => undefined);
  };
}

/** Posts `samples` new-fingerprint alerts spread over `spanMs` and measures each until its RR is ADDED. */
function startProbes({ ingressUrl, token, sandboxUrl, samples, spanMs }) {
  const pending = new Map();
  const results = [];
  const failures = [];
  const stopWatch = watchAdded(sandboxUrl, (rr, at) => {
    const pod = rr?.spec?.targetResource?.name;
    const sentAt = pending.get(pod);
    if (sentAt !== undefined) {
      pending.delete(pod);
      results.push(at - sentAt);
    }
  });
  const generator = (index) => {
    const pod = `probe-${process.pid}-${index}`;
    return {
      pod,
      body: JSON.stringify({
        version: '4',
        groupKey: '{}:{alertname="BenchProbe"}',
        status: 'firing',
        receiver: 'gateway',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'BenchProbe', namespace: 'bench', pod, severity: 'info' },
            annotations: {},
            startsAt: new Date().toISOString(),
            endsAt: '0001-01-01T00:00:00Z',
          },
        ],
      }),
    };
  };
  const timers = [];
  const interval = spanMs / (samples + 1);
  for (let i = 0; i < samples; i++) {
    timers.push(
      setTimeout(
        async () => {
          const { pod, body } = generator(i);
          const sentAt = performance.now();
          pending.set(pod, sentAt);
          try {
            const res = await fetch(`${ingressUrl}/api/v1/signals/prometheus`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body,
              signal: AbortSignal.timeout(10_000),
            });
            await res.arrayBuffer();
            if (res.status !== 202) {
              pending.delete(pod);
              failures.push(`probe ${pod}: HTTP ${res.status}`);
            }
          } catch (err) {
            pending.delete(pod);
            failures.push(`probe ${pod}: ${err.message}`);
          }
        },
        interval * (i + 1),
      ),
    );
  }
  return {
    sent: () => samples,
    pendingCount: () => pending.size,
    async finish(testkit, timeoutMs) {
      await testkit
        .waitFor(() => pending.size === 0 && results.length + failures.length >= samples, {
          timeoutMs,
          intervalMs: 100,
        })
        .catch(() => undefined);
      for (const t of timers) clearTimeout(t);
      await stopWatch();
      return { ...latencySummary(results), sent: samples, missing: pending.size, failures };
    },
  };
}

// ---------- scenarios ----------

async function runCeiling(testkit, children) {
  const port = await testkit.freePort();
  const proc = testkit.startManagedProcess({
    name: 'ceiling',
    args: [join(root, 'bench', 'ceiling-server.mjs'), String(port)],
    env: testkit.baseChildEnv(),
    cwd: root,
    readyUrl: `http://127.0.0.1:${port}/readyz`,
    readyTimeoutMs: 15_000,
  });
  children.push(() => proc.stop('SIGTERM', 5000));
  await proc.waitReady();
  log(`ceiling: bare Hono 202 at ${config.rate}/s for ${config.ceilingDurationS}s`);
  const result = await runLoad({
    url: `http://127.0.0.1:${port}`,
    path: '/api/v1/signals/prometheus',
    token: 'unused',
    durationS: config.ceilingDurationS,
    rate: config.rate,
    connections: config.connections,
    phases: config.phases,
    generator: createAlertGenerator('BenchCeiling', config.fingerprints),
  });
  await proc.stop('SIGTERM', 5000);
  return result;
}

async function startSandbox(testkit, children, dir) {
  const port = await testkit.freePort();
  const kubeconfig = join(dir, 'kubeconfig');
  const proc = testkit.startManagedProcess({
    name: 'kube-sandbox',
    args: [
      join(root, 'bench', 'sandbox-server.mjs'),
      String(port),
      String(config.sandboxLatencyMs),
      kubeconfig,
      NAMESPACE,
    ],
    env: testkit.baseChildEnv(),
    cwd: root,
    readyUrl: `http://127.0.0.1:${port}/version`,
    readyTimeoutMs: 15_000,
  });
  children.push(() => proc.stop('SIGTERM', 5000));
  await proc.waitReady();
  await testkit.waitFor(() => existsSync(kubeconfig), { timeoutMs: 5000, description: 'the sandbox kubeconfig' });
  return { url: `http://127.0.0.1:${port}`, kubeconfig, proc };
}

async function runL1AndL3(testkit, children, dir) {
  const sandbox = await startSandbox(testkit, children, dir);
  const queuePrefix = testkit.uniquePrefix('bench');
  const stack = await testkit.startGatewayStack({
    queuePrefix,
    redisUrl: config.redisUrl,
    kubeconfig: sandbox.kubeconfig,
    remediationNamespace: NAMESPACE,
    auditFilePath: join(dir, 'audit.jsonl'),
    logLevel: config.logLevel,
    readyTimeoutMs: 60_000,
  });
  children.push(async () => {
    await stack.stop();
    const redis = testkit.createTestRedis();
    try {
      await testkit.deleteKeysWithPrefix(redis, queuePrefix);
    } finally {
      redis.disconnect();
    }
  });
  const failureLogs = () => `${stack.logs()}\n--- kube-sandbox ---\n${sandbox.proc.output().join('\n')}`;

  const cpuBefore = await cpuSeconds(testkit, stack);
  const probes = startProbes({
    ingressUrl: stack.ingressUrl,
    token: stack.token,
    sandboxUrl: sandbox.url,
    samples: config.l3Samples,
    spanMs: config.durationS * 1000,
  });
  log(
    `L1: gateway at ${config.rate}/s for ${config.durationS}s, ${config.fingerprints} fingerprints, ${config.connections} connections`,
  );
  const l1 = await runLoad({
    url: stack.ingressUrl,
    path: '/api/v1/signals/prometheus',
    token: stack.token,
    durationS: config.durationS,
    rate: config.rate,
    connections: config.connections,
    phases: config.phases,
    generator: createAlertGenerator('BenchL1', config.fingerprints),
  });

  const cpuAfter = await cpuSeconds(testkit, stack);
  const cpuUtilisation = Object.fromEntries(
    Object.keys(cpuAfter).map((app) => [app, round((cpuAfter[app] - cpuBefore[app]) / config.durationS, 2)]),
  );

  // Drain: every signal the ingress enqueued has a worker decision.
  log('L1: waiting for the queue to drain');
  const drainStarted = performance.now();
  let progress = await gatewayProgress(testkit, stack);
  const drained = await testkit
    .waitFor(
      async () => {
        progress = await gatewayProgress(testkit, stack);
        return progress.decided >= progress.enqueued;
      },
      { timeoutMs: 180_000, intervalMs: 250 },
    )
    .then(() => true)
    .catch(() => false);
  const drainMs = performance.now() - drainStarted;
  const l3Probes = await probes.finish(testkit, 30_000);

  // What the ingress accepted for L1 (probes carry severity "info"). It can exceed the 202s the load generator read:
  // requests still in flight when autocannon stops were accepted, but their answers were never read.
  const ingressAccepted = testkit.sumMetric(await scrape(testkit, stack.ingressUrl), 'gateway_signals_received_total', {
    severity: 'warning',
  });
  const inFlightAtStop = ingressAccepted - l1.accepted;
  // Counts: status.deduplication is written behind (one flush interval), so poll for the sum to settle.
  let rrs = [];
  let occurrenceSum = 0;
  const sumSettled = await testkit
    .waitFor(
      async () => {
        rrs = (await listRemediationRequests(sandbox.url)).filter((rr) => rr.spec?.signalName === 'BenchL1');
        occurrenceSum = rrs.reduce((sum, rr) => sum + (rr.status?.deduplication?.occurrenceCount ?? 0), 0);
        return occurrenceSum === ingressAccepted;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    )
    .then(() => true)
    .catch(() => false);
  const countsMatch = sumSettled && inFlightAtStop >= 0 && inFlightAtStop <= l1.connections;

  const worker = await scrape(testkit, stack.workerUrl);
  const decision = testkit.readHistogram(worker, 'gateway_dedup_decision_duration_seconds');
  const jobLatency = testkit.readHistogram(worker, 'gateway_signal_latency_seconds');
  const ms = (seconds) => (seconds === undefined ? null : round(seconds * 1000));
  const l3Worker = {
    decisions: decision.count,
    dedupDecisionP99Ms: ms(testkit.histogramQuantile(decision, 0.99)),
    // True when the quantile lies in the +Inf bucket: the figure is then only a lower bound (the top bucket's bound).
    dedupDecisionP99AboveTopBucket: aboveTopBucket(decision, 0.99),
    jobLatencyP95AboveTopBucket: aboveTopBucket(jobLatency, 0.95),
    jobLatencyP50Ms: ms(testkit.histogramQuantile(jobLatency, 0.5)),
    jobLatencyP95Ms: ms(testkit.histogramQuantile(jobLatency, 0.95)),
    jobLatencyP99Ms: ms(testkit.histogramQuantile(jobLatency, 0.99)),
    outcomes: Object.fromEntries(
      ['created', 'deduplicated', 'resolved', 'redelivered', 'failed'].map((outcome) => [
        outcome,
        testkit.sumMetric(worker, 'gateway_signal_latency_seconds_count', { outcome }),
      ]),
    ),
  };

  return {
    l1: {
      ...l1,
      drain: {
        drained,
        drainMs: Math.round(drainMs),
        enqueuedByIngress: progress.enqueued,
        decidedByWorker: progress.decided,
        probesAccepted: config.l3Samples - l3Probes.failures.length,
      },
      cpuUtilisation,
      counts: {
        rrs: rrs.length,
        expectedRrs: Math.min(config.fingerprints, ingressAccepted),
        occurrenceSum,
        acceptedByIngress: ingressAccepted,
        acceptedSeenByClient: l1.accepted,
        inFlightAtStop,
        match: countsMatch,
      },
    },
    l3: { probes: l3Probes, worker: l3Worker },
    failureLogs,
  };
}

// ---------- report ----------

async function machine() {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    nproc: cpus().length,
    cpuModel: model.trim(),
    memTotalGiB: round(totalmem() / 2 ** 30, 1),
    memFreeGiB: round(freemem() / 2 ** 30, 1),
    loadAvg: (await readFile('/proc/loadavg', 'utf8').catch(() => '')).split(' ').slice(0, 3).join(' '),
    node: process.version,
  };
}

function evaluate(ceiling, l1, l3) {
  const checks = [
    {
      id: 'L1',
      what: '202 p95 (ms)',
      target: `< ${TARGETS.l1P95Ms}`,
      actual: l1.latencyMs202.p95,
      pass: l1.latencyMs202.p95 !== null && l1.latencyMs202.p95 < TARGETS.l1P95Ms,
    },
    {
      id: 'L1',
      what: '202 p99 (ms)',
      target: `< ${TARGETS.l1P99Ms}`,
      actual: l1.latencyMs202.p99,
      pass: l1.latencyMs202.p99 !== null && l1.latencyMs202.p99 < TARGETS.l1P99Ms,
    },
    {
      id: 'L1',
      what: 'errors (non-202 + socket errors + timeouts)',
      target: '0',
      actual: l1.non202 + l1.errors + l1.timeouts,
      pass: l1.non202 + l1.errors + l1.timeouts === 0 && l1.accepted > 0,
    },
    {
      id: 'L1',
      what: 'Σ occurrenceCount = accepted firing signals',
      target: String(l1.counts.acceptedByIngress),
      actual: l1.counts.occurrenceSum,
      pass: l1.counts.match && l1.drain.drained,
    },
    {
      id: 'L3',
      what: 'dedup decision p99 (ms, from buckets)',
      target: `< ${TARGETS.l3DecisionP99Ms}`,
      actual: l3.worker.dedupDecisionP99Ms,
      pass: l3.worker.dedupDecisionP99Ms !== null && l3.worker.dedupDecisionP99Ms < TARGETS.l3DecisionP99Ms,
    },
    {
      id: 'L3',
      what: 'job latency p95 (ms, from buckets)',
      target: `< ${TARGETS.l3JobLatencyP95Ms}`,
      actual: l3.worker.jobLatencyP95Ms,
      pass: l3.worker.jobLatencyP95Ms !== null && l3.worker.jobLatencyP95Ms < TARGETS.l3JobLatencyP95Ms,
    },
  ];
  const ratio = {
    p99: ceiling.latencyMs202.p99 ? round(l1.latencyMs202.p99 / ceiling.latencyMs202.p99) : null,
    throughput: ceiling.throughputPerS ? round(l1.throughputPerS / ceiling.throughputPerS, 3) : null,
  };
  return { checks, ratio };
}

function printSummary(report) {
  const { ceiling, l1, l3, ratio, checks } = report;
  const lat = (l) => `p50 ${l.p50} / p95 ${l.p95} / p99 ${l.p99} / max ${l.max} ms`;
  const lines = [
    '',
    `machine: ${report.machine.nproc} vCPU ${report.machine.cpuModel}, ${report.machine.memTotalGiB} GiB, load ${report.machine.loadAvg}, node ${report.machine.node}`,
    `ceiling (bare Hono, ${ceiling.durationS}s @ ${ceiling.rate}/s): ${ceiling.throughputPerS}/s, 202 ${lat(ceiling.latencyMs202)}, non-202 ${ceiling.non202}, errors ${ceiling.errors}, timeouts ${ceiling.timeouts}`,
    `L1 (gateway, ${l1.durationS}s @ ${l1.rate}/s): ${l1.throughputPerS}/s, 202 ${lat(l1.latencyMs202)}, statuses ${JSON.stringify(l1.statusCounts)}, errors ${l1.errors}, timeouts ${l1.timeouts}`,
    `L1 vs ceiling: p99 ×${ratio.p99}, throughput ×${ratio.throughput}`,
    `L1 drain: ${l1.drain.drained ? 'drained' : 'NOT drained'} in ${l1.drain.drainMs} ms (ingress enqueued ${l1.drain.enqueuedByIngress}, worker decided ${l1.drain.decidedByWorker})`,
    `L1 counts: ${l1.counts.rrs} RRs (expected ${l1.counts.expectedRrs}), Σ occurrenceCount ${l1.counts.occurrenceSum} vs accepted ${l1.counts.acceptedByIngress} (${l1.counts.acceptedSeenByClient} 202s read + ${l1.counts.inFlightAtStop} in flight at stop) → ${l1.counts.match ? 'match' : 'MISMATCH'}`,
    `L1 CPU (cores busy): ingress ${l1.cpuUtilisation.ingress}, worker ${l1.cpuUtilisation.worker}, load generator ${l1.loaderCpuCores}`,
    `L3 alert→RR (${l3.probes.sent} probes, ${l3.probes.missing} missing): ${lat(l3.probes)}`,
    `L3 worker: dedup decision p99 ${l3.worker.dedupDecisionP99AboveTopBucket ? '≥ ' : ''}${l3.worker.dedupDecisionP99Ms} ms; job latency p50 ${l3.worker.jobLatencyP50Ms} / p95 ${l3.worker.jobLatencyP95AboveTopBucket ? '≥ ' : ''}${l3.worker.jobLatencyP95Ms} / p99 ${l3.worker.jobLatencyP99Ms} ms over ${l3.worker.decisions} decisions`,
    '',
    'targets:',
    ...checks.map((c) => `  ${c.pass ? 'PASS' : 'MISS'}  ${c.id} ${c.what}: ${c.actual} (target ${c.target})`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

// ---------- main ----------

async function main() {
  requireBuild();
  const testkit = await import('../packages/testkit/dist/index.js');
  const children = [];
  const dir = await mkdtemp(join(tmpdir(), 'gateway-bench-'));
  // Bounded in time whatever happens: ceiling + L1 + drain and checks, with a generous margin.
  const budgetMs = (config.ceilingDurationS + config.durationS) * 1000 + 420_000;
  const watchdog = setTimeout(() => {
    log(`exceeded its time budget of ${Math.round(budgetMs / 1000)} s: stopping`);
    void cleanup().finally(() => process.exit(3));
  }, budgetMs);
  watchdog.unref();
  let cleaned = false;
  async function cleanup() {
    if (cleaned) return;
    cleaned = true;
    for (const stop of children.splice(0).reverse()) await stop().catch((err) => log(`cleanup: ${err.message}`));
    await rm(dir, { recursive: true, force: true });
  }
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  try {
    const startedAt = new Date().toISOString();
    const machineInfo = await machine();
    const ceiling = await runCeiling(testkit, children);
    const { l1, l3, failureLogs } = await runL1AndL3(testkit, children, dir);
    const { checks, ratio } = evaluate(ceiling, l1, l3);
    const pass = checks.every((c) => c.pass);
    const report = {
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machineInfo,
      config,
      ceiling,
      l1,
      l3,
      ratio,
      checks,
      pass,
    };
    printSummary(report);
    if (!pass) log(`child output (a target was missed):\n${failureLogs().split('\n').slice(-80).join('\n')}`);
    await mkdir(join(root, 'reports'), { recursive: true });
    await writeFile(join(root, 'reports', 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
    log('wrote reports/bench.json');
    return config.enforce && !pass ? 1 : 0;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(2);
  },
);
