// The open-loop load generator of `pnpm bench` (docs/benchmarks.md#the-open-loop-generator).
//
// Request i is due at start + (alerts before it) / rate: a fixed arrival schedule in alerts per second, kept whether
// or not earlier requests were answered, the way a fleet of Alertmanagers keeps sending when the gateway slows down.
// A closed-loop tool (one request per connection at a time) sends less when answers come late and so hides the very
// queueing it should measure (coordinated omission). Here latency is taken from the *scheduled* time (what a sender
// experiences) and also from the actual send. The only cap is the number of connections, each carrying one request at
// a time: a request due while all of them are busy is not sent and is counted as such (`notSent`), never dropped
// silently. Every 202's latency is kept, so the percentiles are exact.
//
// Run in-process (`runOpenLoop`) or, so that its CPU is its own, in a child (`forkOpenLoop`, which builds the traffic
// with bench/mix.mjs in the child). `node bench/open-loop.mjs --self-test` checks the schedule and the not-sent books
// against loopback servers.

import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createMix } from './mix.mjs';

const round = (x, digits = 2) => (x === null || x === undefined ? null : Number(x.toFixed(digits)));

function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Exact percentiles over every value (ms). */
export function latencySummary(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

/**
 * @param {object} options
 * @param {string} options.origin  e.g. http://127.0.0.1:8080
 * @param {string[]} [options.origins]  several servers instead of `origin` (scale-out): requests go round-robin and
 *   the connections are split evenly between them
 * @param {string} options.path
 * @param {Record<string,string>} [options.headers]
 * @param {number} options.rate  offered alerts per second
 * @param {number} options.durationS
 * @param {number} options.connections  keep-alive connections, one request in flight on each
 * @param {number} [options.timeoutMs]  a request without an answer by then is a timeout (10 s)
 * @param {number} [options.warmupS]  seconds at the first phase's rate before the measured part (see below)
 * @param {{ rate: number, durationS: number }[]} [options.phases]  measured phases run back to back instead of one
 *   at `rate` for `durationS` (the overload scenario: 2× then ½); each is also reported on its own
 * @param {{ next(): { body: string, alerts: number }, accepted?(request: object): void }} traffic
 */
export async function runOpenLoop(options, traffic) {
  const { origin, path, connections, timeoutMs = 10_000, warmupS = 0 } = options;
  const phases = options.phases ?? [{ rate: options.rate, durationS: options.durationS }];
  const rate = phases[0].rate;
  const durationS = phases.reduce((sum, phase) => sum + phase.durationS, 0);
  const headers = { 'content-type': 'application/json', ...(options.headers ?? {}) };
  const origins = options.origins ?? [origin];
  const pools = origins.map(
    (target) =>
      new Pool(target, {
        connections: Math.max(1, Math.floor(connections / origins.length)),
        pipelining: 1,
        keepAliveTimeout: 60_000,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      }),
  );
  let nextPool = 0;
  const fromScheduled = [];
  const fromSend = [];
  const lag = [];
  const statusCounts = {};
  const errorCodes = {};
  let sent = 0;
  let sentAlerts = 0;
  let notSent = 0;
  let notSentAlerts = 0;
  let acceptedAlerts = 0;
  let errors = 0;
  let timeouts = 0;
  let refusedWithoutRetryAfter = 0;
  let inFlight = 0;
  let measuredScheduled = 0;
  let measuredScheduledAlerts = 0;
  const warmup = { requests: 0, alerts: 0, accepted: 0 };
  let lastAnswer = 0;
  const outstanding = new Set();

  const cpuStart = process.cpuUsage();
  // A short head start so the first due times are not already past when the loop begins.
  const start = performance.now() + 20;
  // Warm-up: the first warmupS seconds follow the same schedule and reach the gateway (the mix keeps their books),
  // but their latencies, sends and not-sent requests are left out of the figures: they measure JIT compilation and
  // connection set-up (the first second against a bare node:http server has a p99 near 40 ms, later ones near 5).
  // Errors are counted throughout.
  const segments = [];
  let segmentStart = start;
  if (warmupS > 0) {
    segments.push({ from: start, to: start + warmupS * 1000, rate, phase: -1 });
    segmentStart += warmupS * 1000;
  }
  const perPhase = phases.map((phase, index) => {
    segments.push({ from: segmentStart, to: segmentStart + phase.durationS * 1000, rate: phase.rate, phase: index });
    segmentStart += phase.durationS * 1000;
    return {
      rate: phase.rate,
      durationS: phase.durationS,
      from: segments.at(-1).from,
      scheduledAlerts: 0,
      notSentAlerts: 0,
      acceptedAlerts: 0,
      latencies: [],
      statusCounts: {},
      refusedWithoutRetryAfter: 0,
      lastRefusalMs: null,
    };
  });
  let request = traffic.next();
  let segment = 0;
  let segmentAlerts = 0;
  let due = start;

  const send = (req, scheduledAt, phaseIndex) => {
    const sentAt = performance.now();
    const measured = phaseIndex >= 0;
    const phase = perPhase[phaseIndex];
    if (measured) {
      lag.push(sentAt - scheduledAt);
      sent += 1;
      sentAlerts += req.alerts;
    } else {
      warmup.requests += 1;
      warmup.alerts += req.alerts;
    }
    inFlight += 1;
    const pool = pools[nextPool];
    nextPool = (nextPool + 1) % pools.length;
    const done = pool
      .request({ path, method: 'POST', headers, body: req.body })
      .then(async ({ statusCode, headers: answer, body }) => {
        await body.dump();
        const at = performance.now();
        lastAnswer = at;
        statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
        if (phase) phase.statusCounts[statusCode] = (phase.statusCounts[statusCode] ?? 0) + 1;
        // A refusal the sender cannot schedule its retry from is a defect of its own.
        if ((statusCode === 429 || statusCode === 503) && answer['retry-after'] === undefined) {
          refusedWithoutRetryAfter += 1;
          if (phase) phase.refusedWithoutRetryAfter += 1;
        }
        if (phase && statusCode !== 202)
          phase.lastRefusalMs = Math.max(phase.lastRefusalMs ?? 0, scheduledAt - phase.from);
        if (statusCode === 202) {
          traffic.accepted?.(req);
          if (!measured) {
            warmup.accepted += req.alerts;
            return;
          }
          acceptedAlerts += req.alerts;
          phase.acceptedAlerts += req.alerts;
          phase.latencies.push(at - scheduledAt);
          fromScheduled.push(at - scheduledAt);
          fromSend.push(at - sentAt);
        }
      })
      .catch((err) => {
        if (err?.code === 'UND_ERR_HEADERS_TIMEOUT' || err?.code === 'UND_ERR_BODY_TIMEOUT') timeouts += 1;
        else {
          errors += 1;
          const code = err?.code ?? err?.name ?? 'unknown';
          errorCodes[code] = (errorCodes[code] ?? 0) + 1;
        }
      })
      .finally(() => {
        inFlight -= 1;
        outstanding.delete(done);
      });
    outstanding.add(done);
  };

  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (segment < segments.length && due <= now) {
        const current = segments[segment];
        const phase = perPhase[current.phase];
        if (inFlight < connections) send(request, due, current.phase);
        else if (phase) {
          notSent += 1;
          notSentAlerts += request.alerts;
          phase.notSentAlerts += request.alerts;
        }
        if (phase) {
          measuredScheduled += 1;
          measuredScheduledAlerts += request.alerts;
          phase.scheduledAlerts += request.alerts;
        }
        segmentAlerts += request.alerts;
        due = current.from + (segmentAlerts / current.rate) * 1000;
        request = traffic.next();
        if (due >= current.to) {
          segment += 1;
          segmentAlerts = 0;
          if (segment < segments.length) due = segments[segment].from;
        }
      }
      if (segment >= segments.length) resolve();
      // 1 ms is the timer resolution; what was due meanwhile goes out in the next tick, still timed from its schedule.
      else setTimeout(tick, Math.max(0, Math.min(1, due - performance.now())));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  const loadEnd = performance.now();
  await Promise.allSettled([...outstanding]);
  const finished = performance.now();
  await Promise.all(pools.map((pool) => pool.close()));
  const cpu = process.cpuUsage(cpuStart);
  const responses = Object.values(statusCounts).reduce((sum, n) => sum + n, 0);
  return {
    rate,
    durationS,
    warmupS,
    warmup,
    connections,
    scheduled: { requests: measuredScheduled, alerts: measuredScheduledAlerts },
    sent: { requests: sent, alerts: sentAlerts },
    notSent: { requests: notSent, alerts: notSentAlerts },
    responses,
    statusCounts,
    accepted: { requests: fromScheduled.length, alerts: acceptedAlerts },
    // Alerts answered 202 per second of the schedule.
    achievedPerS: round(acceptedAlerts / durationS, 1),
    non202: responses - (statusCounts[202] ?? 0),
    errors,
    errorCodes,
    timeouts,
    refusedWithoutRetryAfter,
    latencyMs202: latencySummary(fromScheduled),
    latencyFromSendMs202: latencySummary(fromSend),
    sendLagMs: latencySummary(lag),
    // Time from the last scheduled send until the last answer.
    tailMs: Math.round(Math.max(0, (lastAnswer || loadEnd) - loadEnd)),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6, 3),
    cpuCores: round((cpu.user + cpu.system) / 1e3 / (finished - start), 2),
    phases: perPhase.map(({ latencies, from, ...phase }) => ({
      ...phase,
      achievedPerS: round(phase.acceptedAlerts / phase.durationS, 1),
      latencyMs202: latencySummary(latencies),
    })),
  };
}

const self = fileURLToPath(import.meta.url);

/**
 * Runs the generator in a child process with the traffic of `createMix(mix)` and resolves with its result plus the
 * mix's books (`mix`). The child has the same bounds as `runOpenLoop`; it is killed when `deadlineMs` passes.
 */
export async function forkOpenLoop(options, mix, deadlineMs) {
  const child = fork(self, ['--child'], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  try {
    child.send({ options, mix });
    const [message] = await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code, signal]) => {
        throw new Error(`the load generator exited (${code ?? signal}) without a result`);
      }),
    ]);
    if (message.error) throw new Error(`the load generator failed: ${message.error}`);
    return message.result;
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      child.disconnect();
      await once(child, 'exit');
    }
  }
}

async function childMain() {
  const [{ options, mix: mixOptions }] = await once(process, 'message');
  try {
    const mix = createMix(mixOptions);
    const result = await runOpenLoop(options, mix);
    process.send({ result: { ...result, mix: mix.summary() } });
  } catch (err) {
    process.send({ error: err instanceof Error ? err.stack : String(err) });
  }
}

async function listen(handler) {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Checks the books against servers whose behaviour is known; exits 1 on a mismatch. */
async function selfTest() {
  const failures = [];
  const expect = (what, ok, detail) => {
    if (!ok) failures.push(`${what}: ${JSON.stringify(detail)}`);
  };
  const answering = await listen((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(202).end('{}'));
  });
  const mix = createMix({ alertname: 'SelfTest', seed: 7 });
  const fast = await runOpenLoop(
    { origin: answering.origin, path: '/', rate: 500, durationS: 2, connections: 32 },
    mix,
  );
  expect(
    'every scheduled request is sent or counted as not sent',
    fast.scheduled.requests === fast.sent.requests + fast.notSent.requests,
    fast,
  );
  expect('the schedule offers rate × duration alerts', Math.abs(fast.scheduled.alerts - 1000) <= 3, fast.scheduled);
  expect('an answering server accepts everything sent', fast.accepted.alerts === fast.sent.alerts, fast);
  // A busy machine can pause the loop long enough to fill the connections for a moment; that shows, but stays rare.
  expect(
    'an answering server leaves (almost) nothing not sent',
    fast.notSent.requests <= 0.02 * fast.scheduled.requests,
    fast,
  );
  expect(
    'latency from the schedule is never below latency from the send',
    fast.latencyMs202.max >= fast.latencyFromSendMs202.max,
    fast,
  );
  const books = mix.summary();
  expect(
    'the books count each accepted occurrence once',
    books.expectedOccurrences + books.acceptedRedeliveries === books.acceptedFiring,
    books,
  );
  const warmMix = createMix({ alertname: 'SelfTestWarm', seed: 8, multiShare: 0, redeliveryShare: 0 });
  const warm = await runOpenLoop(
    { origin: answering.origin, path: '/', rate: 500, durationS: 1, warmupS: 1, connections: 32 },
    warmMix,
  );
  expect('the warm-up is left out of the schedule', Math.abs(warm.scheduled.alerts - 500) <= 3, warm.scheduled);
  expect('the warm-up is sent and reported', Math.abs(warm.warmup.requests - 500) <= 3, warm.warmup);
  expect(
    "the mix's books include the warm-up",
    warmMix.summary().acceptedFiring === warm.accepted.alerts + warm.warmup.accepted,
    { books: warmMix.summary(), warm },
  );
  answering.server.close();

  // Phases back to back: each offers its own rate × duration; refusals without Retry-After are counted.
  let refusing = true;
  const flaky = await listen((req, res) => {
    req.resume();
    req.on('end', () => {
      if (!refusing) res.writeHead(202).end('{}');
      else if (req.headers['x-bare'] === undefined) res.writeHead(503, { 'retry-after': '1' }).end('{}');
      else res.writeHead(503).end('{}');
    });
  });
  setTimeout(() => {
    refusing = false;
  }, 500);
  const phased = await runOpenLoop(
    {
      origin: flaky.origin,
      path: '/',
      connections: 32,
      phases: [
        { rate: 400, durationS: 1 },
        { rate: 200, durationS: 1 },
      ],
    },
    createMix({ alertname: 'SelfTestPhases', seed: 9, multiShare: 0, redeliveryShare: 0 }),
  );
  const [high, low] = phased.phases;
  expect(
    'each phase offers its own rate',
    Math.abs(high.scheduledAlerts - 400) <= 3 && Math.abs(low.scheduledAlerts - 200) <= 3,
    phased.phases,
  );
  expect(
    'refusals land in the phase they were scheduled in',
    (high.statusCounts[503] ?? 0) > 0 && low.statusCounts[503] === undefined,
    phased.phases,
  );
  expect('refusals with Retry-After are not counted as without', phased.refusedWithoutRetryAfter === 0, phased);
  refusing = true;
  const bare = await runOpenLoop(
    { origin: flaky.origin, path: '/', rate: 100, durationS: 0.2, connections: 8, headers: { 'x-bare': '1' } },
    createMix({ alertname: 'SelfTestBare', seed: 10, multiShare: 0, redeliveryShare: 0 }),
  );
  expect(
    'refusals without Retry-After are counted',
    bare.refusedWithoutRetryAfter === bare.non202 && bare.non202 > 0,
    bare,
  );
  flaky.server.close();

  // A server that holds every request for 1 s: with 4 connections, everything due meanwhile is not sent.
  const stalling = await listen((req, res) => {
    req.resume();
    setTimeout(() => res.writeHead(202).end('{}'), 1000);
  });
  const slow = await runOpenLoop(
    { origin: stalling.origin, path: '/', rate: 100, durationS: 1, connections: 4 },
    createMix({ alertname: 'SelfTestStall', multiShare: 0, redeliveryShare: 0 }),
  );
  expect('a stalled server leaves the excess not sent', slow.sent.requests === 4 && slow.notSent.requests >= 90, slow);
  expect('waiting requests are timed from their schedule', slow.latencyMs202.max >= 1000, slow.latencyMs202);
  stalling.server.closeAllConnections();
  stalling.server.close();

  if (failures.length > 0) {
    process.stderr.write(`open-loop self-test FAILED:\n${failures.join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `open-loop self-test passed (500/s for 2 s: ${fast.achievedPerS}/s achieved, 202 p99 ${fast.latencyMs202.p99} ms, send lag p99 ${fast.sendLagMs.p99} ms, ${fast.cpuCores} cores)\n`,
  );
}

if (process.argv[1] === self) {
  if (process.argv.includes('--child')) await childMain();
  else if (process.argv.includes('--self-test')) await selfTest();
}
