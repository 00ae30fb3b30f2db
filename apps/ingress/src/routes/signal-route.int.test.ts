import { PROBLEM_CONTENT_TYPE, ProblemDetailsSchema, problemType } from '@gateway/contracts';
import { readFixtureText, saturateEventLoop, waitFor } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEventLoopDelay } from '../lifecycle/event-loop-delay.js';
import type { TestIngress } from '../testing/test-ingress.js';
import { bearer, createTestIngress, TEST_TOKENS, waitingSignals } from '../testing/test-ingress.js';

const PROMETHEUS = '/api/v1/signals/prometheus';
const KUBE = '/api/v1/signals/kubernetes-event';
const JSON_HEADERS = { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals) };

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-xss-protection': '1; mode=block',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'content-security-policy': "default-src 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

let ingress: TestIngress;

beforeAll(() => {
  ingress = createTestIngress();
});
afterAll(async () => {
  await ingress.close();
});

function post(path: string, body: string | Uint8Array, headers: Record<string, string> = JSON_HEADERS) {
  return ingress.app.request(path, { method: 'POST', headers, body });
}

async function expectProblem(response: Response, status: number, slug: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const body = ProblemDetailsSchema.parse(await response.json());
  expect(body.type).toBe(problemType(slug as never));
  expect(body.status).toBe(status);
  expect(body.request_id).toBe(response.headers.get('x-request-id'));
  return body;
}

interface Webhook {
  commonLabels: Record<string, string>;
  alerts: { labels: Record<string, string> }[];
}

function withoutCommonAlertname(): Webhook {
  const webhook = JSON.parse(readFixtureText('alertmanager_v4_firing_multi.json')) as Webhook;
  delete webhook.commonLabels.alertname;
  return webhook;
}

async function jobCount(): Promise<number> {
  const counts = await ingress.reader.getJobCounts('waiting');
  return counts.waiting ?? 0;
}

describe('signal route', () => {
  it('answers 202 only after every alert of the webhook is in a job in Redis', async () => {
    const response = await post(PROMETHEUS, readFixtureText('alertmanager_v4_mixed_firing_resolved.json'));
    expect(response.status).toBe(202);
    const body = (await response.json()) as { status: string; accepted: number; ignored: number; requestId: string };
    expect(body).toMatchObject({ status: 'accepted', accepted: 3, ignored: 0 });
    expect(body.requestId).toBe(response.headers.get('x-request-id'));

    const queued = (await waitingSignals(ingress.reader)).filter(({ signal }) => signal.requestId === body.requestId);
    expect(queued).toHaveLength(3);
    // The signals of one delivery always share one job, whose id counts them.
    expect(new Set(queued.map(({ job }) => job.id)).size).toBe(1);
    for (const { job, signal } of queued) {
      expect(job.id).toBe(`3x${queued[0]?.signal.signalId}`);
      expect(job.name).toBe('prometheus');
      expect(signal).toMatchObject({
        source: 'prometheus',
        signalName: 'InstanceDown',
        principal: { type: 'token', id: 'env-1' },
        configHash: 'abcdef012345',
        clusterId: '',
      });
      expect(job.opts.removeOnComplete).toEqual({ age: 3600, count: 10000 });
      // Left to the worker, whose removeOnFail applies queue.failedRetention.
      expect(job.opts.removeOnFail).toBeUndefined();
    }
    expect(queued.map(({ signal }) => signal.status).sort()).toEqual(['firing', 'firing', 'resolved']);
  });

  it('accepts a Kubernetes event with Basic auth carrying the token as password', async () => {
    const basic = `Basic ${Buffer.from(`alertmanager:${TEST_TOKENS.signals}`).toString('base64')}`;
    const response = await post(KUBE, readFixtureText('k8s_core_v1_event_warning_backoff_watch.json'), {
      'Content-Type': 'application/json; charset=utf-8',
      Authorization: basic,
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { requestId: string; accepted: number };
    expect(body.accepted).toBe(1);
    const [queued] = (await waitingSignals(ingress.reader)).filter(({ signal }) => signal.requestId === body.requestId);
    expect(queued?.signal).toMatchObject({ signalName: 'BackOff', severity: 'Warning' });
  });

  it('answers 202 with accepted 0 and enqueues nothing when every item is ignored', async () => {
    const before = await jobCount();
    const response = await post(KUBE, readFixtureText('k8s_core_v1_event_normal_pulled_watch.json'));
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'accepted', accepted: 0, ignored: 1 });
    expect(await jobCount()).toBe(before);
  });

  it('treats a missing Content-Type as JSON and reuses a valid X-Request-ID', async () => {
    // Bytes, not a string: a string body would make fetch add Content-Type text/plain.
    const response = await post(PROMETHEUS, Buffer.from(readFixtureText('alertmanager_v4_resolved.json')), {
      ...bearer(TEST_TOKENS.signals),
      'X-Request-ID': 'sender-req-0001',
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-request-id')).toBe('sender-req-0001');
    expect(await response.json()).toMatchObject({ requestId: 'sender-req-0001' });
    const queued = (await waitingSignals(ingress.reader)).filter(
      ({ signal }) => signal.requestId === 'sender-req-0001',
    );
    expect(queued.length).toBeGreaterThan(0);
  });

  it('replaces an X-Request-ID that is not safe to echo', async () => {
    const response = await post(PROMETHEUS, '{', { ...JSON_HEADERS, 'X-Request-ID': 'bad id\twith spaces' });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lists rejected items next to the accepted ones', async () => {
    const webhook = withoutCommonAlertname();
    delete webhook.alerts[1]!.labels.alertname;
    const response = await post(PROMETHEUS, JSON.stringify(webhook));
    expect(response.status).toBe(202);
    const body = (await response.json()) as {
      accepted: number;
      rejected: { index: number; type: string; detail: string }[];
    };
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([
      { index: 1, type: problemType('validation-error'), detail: expect.stringContaining('alertname') },
    ]);
  });

  it('answers 400 with errors when every item is invalid', async () => {
    const webhook = withoutCommonAlertname();
    for (const alert of webhook.alerts) delete alert.labels.alertname;
    const before = await jobCount();
    const body = await expectProblem(await post(PROMETHEUS, JSON.stringify(webhook)), 400, 'validation-error');
    expect(body.errors?.map((error) => error.index)).toEqual([0, 1]);
    expect(await jobCount()).toBe(before);
  });

  it('answers 400 naming the field when the delivery has no items', async () => {
    const body = await expectProblem(await post(PROMETHEUS, '{"version":"4","alerts":[]}'), 400, 'validation-error');
    expect(body.detail).toContain('no alerts');
    expect(body.errors).toEqual([{ pointer: '/alerts', message: expect.any(String) }]);
  });

  it('answers 400 with the byte offset of a JSON error and never echoes the body', async () => {
    const body = await expectProblem(await post(PROMETHEUS, '{"alerts": [SECRETVALUE]}'), 400, 'validation-error');
    expect(body.detail).toContain('byte offset 12');
    expect(JSON.stringify(body)).not.toContain('SECRETVALUE');
  });

  it('answers 400 for an empty body and for invalid UTF-8', async () => {
    await expectProblem(await post(PROMETHEUS, ''), 400, 'validation-error');
    const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
    const body = await expectProblem(await post(PROMETHEUS, invalidUtf8), 400, 'validation-error');
    expect(body.detail).toContain('UTF-8');
  });

  it('answers 401 with a Bearer challenge for missing, unknown and query tokens', async () => {
    const body = readFixtureText('alertmanager_v4_firing_multi.json');
    const cases = [
      post(PROMETHEUS, body, { 'Content-Type': 'application/json' }),
      post(PROMETHEUS, body, { 'Content-Type': 'application/json', ...bearer('unknown-token-0123456789abcdef') }),
      post(PROMETHEUS, body, { 'Content-Type': 'application/json', Authorization: 'Digest abc' }),
      ingress.app.request(`${PROMETHEUS}?token=${TEST_TOKENS.signals}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      }),
    ];
    for (const response of await Promise.all(cases)) {
      const problem = await expectProblem(response, 401, 'unauthorized');
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="kubernaut-gateway"');
      expect(JSON.stringify(problem)).not.toContain(TEST_TOKENS.signals);
    }
    expect(ingress.logLines.join('\n')).not.toContain(TEST_TOKENS.signals);
  });

  it('answers 403 for a valid token not allowed on the source, and for an admin-only token', async () => {
    const body = readFixtureText('alertmanager_v4_firing_multi.json');
    await expectProblem(
      await post(PROMETHEUS, body, { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.kubernetesOnly) }),
      403,
      'forbidden',
    );
    await expectProblem(
      await post(PROMETHEUS, body, { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.admin) }),
      403,
      'forbidden',
    );
  });

  it('answers 404 for unknown paths and disabled sources', async () => {
    await expectProblem(await post('/api/v1/signals/nope', '{}'), 404, 'not-found');
    await expectProblem(await post('/api/v1/signals/switched-off', '{}'), 404, 'not-found');
    const outside = await expectProblem(await ingress.app.request('/somewhere/else'), 404, 'not-found');
    expect(outside.instance).toBe('/somewhere/else');
  });

  it('answers 405 with Allow: POST for other methods on a signal route', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await ingress.app.request(PROMETHEUS, { method });
      await expectProblem(response, 405, 'method-not-allowed');
      expect(response.headers.get('allow')).toBe('POST');
    }
  });

  it('accepts a body of exactly the limit and answers 413 one byte over', async () => {
    const limit = ingress.settings.server.bodyLimitBytes;
    const webhook = readFixtureText('alertmanager_v4_firing_multi.json').trimEnd();
    // JSON allows trailing whitespace, so padding keeps the body valid at any size.
    const atLimit = webhook + ' '.repeat(limit - Buffer.byteLength(webhook));
    expect(Buffer.byteLength(atLimit)).toBe(limit);
    expect((await post(PROMETHEUS, atLimit)).status).toBe(202);
    await expectProblem(await post(PROMETHEUS, `${atLimit} `), 413, 'payload-too-large');
  });

  it('answers 413 for a streamed body without Content-Length once it passes the limit', async () => {
    const limit = ingress.settings.server.bodyLimitBytes;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > limit * 4) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const response = await ingress.app.request(PROMETHEUS, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await expectProblem(response, 413, 'payload-too-large');
    expect(sent).toBeLessThan(limit * 2);
  });

  it('answers 415 with Accept-Post for other media types and encodings, 400 for an unparsable Content-Type', async () => {
    const body = readFixtureText('alertmanager_v4_firing_multi.json');
    for (const headers of [
      { ...JSON_HEADERS, 'Content-Type': 'text/plain' },
      { ...JSON_HEADERS, 'Content-Encoding': 'gzip' },
    ]) {
      const response = await post(PROMETHEUS, body, headers);
      await expectProblem(response, 415, 'unsupported-media-type');
      expect(response.headers.get('accept-post')).toBe('application/json');
    }
    expect(
      (await post(PROMETHEUS, body, { ...JSON_HEADERS, 'Content-Type': 'application/vnd.alerts+json' })).status,
    ).toBe(202);
    await expectProblem(
      await post(PROMETHEUS, body, { ...JSON_HEADERS, 'Content-Type': 'json' }),
      400,
      'validation-error',
    );
  });

  it('enforces the X-Timestamp replay window', async () => {
    // Stamps are taken when each request is sent, 10 s clear of the window's edges, so a slow earlier request
    // cannot carry a later one across an edge.
    const stamp = (offsetSeconds: number) => () => ({
      'X-Timestamp': String(Math.floor(Date.now() / 1000) + offsetSeconds),
    });
    const cases: [() => Record<string, string>, string | undefined][] = [
      [() => ({}), 'missing X-Timestamp header'],
      [stamp(-310), 'timestamp too old'],
      [stamp(130), 'timestamp in the future'],
      [() => ({ 'X-Timestamp': '12.5' }), 'timestamp is not an integer'],
      [() => ({ 'X-Timestamp': '-5' }), 'timestamp is negative'],
      [stamp(0), undefined],
    ];
    for (const [headers, detail] of cases) {
      const response = await post('/api/v1/signals/stamped', '{}', { ...JSON_HEADERS, ...headers() });
      if (detail === undefined) {
        expect(response.status).toBe(202);
      } else {
        expect((await expectProblem(response, 400, 'replay-rejected')).detail).toBe(detail);
      }
    }
  });

  it('answers 500 without internals when a source throws, and counts it', async () => {
    const body = await expectProblem(await post('/api/v1/signals/throws', '{}'), 500, 'internal-error');
    expect(body.detail).toBe('Internal error; quote the request id when reporting');
    expect(JSON.stringify(body)).not.toContain('/var/run');
    const metrics = await ingress.metrics.registry.getSingleMetricAsString('gateway_source_errors_total');
    expect(metrics).toContain('gateway_source_errors_total{source_type="test-throw"} 1');
  });

  it('sets the security headers on every response, errors included', async () => {
    const responses = [
      await post(PROMETHEUS, readFixtureText('alertmanager_v4_resolved.json')),
      await post(PROMETHEUS, '{'),
      await ingress.app.request('/nowhere'),
      await ingress.app.request(PROMETHEUS, { method: 'GET' }),
      await ingress.app.request('/healthz'),
      await post('/api/v1/signals/throws', '{}'),
    ];
    for (const response of responses) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        expect(response.headers.get(name), name).toBe(value);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('counts rejected requests and received signals by source type', async () => {
    const metrics = await ingress.metrics.registry.metrics();
    expect(metrics).toMatch(/gateway_requests_rejected_total\{source_type="prometheus",reason="unauthorized"\} [1-9]/);
    expect(metrics).toMatch(/gateway_signals_received_total\{source_type="prometheus",severity="critical"\} [1-9]/);
    expect(metrics).toMatch(
      /gateway_http_request_duration_seconds_count\{endpoint="\/api\/v1\/signals\/prometheus",method="POST",status="202"\} [1-9]/,
    );
  });
});

describe('signal route settings', () => {
  it('keeps delivery keys by default and drops them when sources.<name>.deliveryDedup is off', async () => {
    const collapsing = createTestIngress();
    const counting = createTestIngress({ config: { sources: { prometheus: { deliveryDedup: false } } } });
    try {
      for (const target of [collapsing, counting]) {
        const response = await target.app.request(PROMETHEUS, {
          method: 'POST',
          headers: JSON_HEADERS,
          body: readFixtureText('alertmanager_v4_firing_multi.json'),
        });
        expect(response.status).toBe(202);
      }
      const keysOf = async (target: TestIngress) =>
        (await waitingSignals(target.reader)).map(({ signal }) => signal.deliveryKey);
      const kept = await keysOf(collapsing);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept).not.toContain(null);
      const dropped = await keysOf(counting);
      expect(dropped).toEqual(kept.map(() => null));
    } finally {
      await collapsing.close();
      await counting.close();
    }
  });

  it('logs each received payload at debug level with secrets redacted only when logging.logPayloads is on', async () => {
    const webhook = { ...JSON.parse(readFixtureText('alertmanager_v4_firing_multi.json')), token: 'hunter2-hunter2' };
    const quiet = createTestIngress();
    const verbose = createTestIngress({ config: { logging: { logPayloads: true } } });
    try {
      for (const target of [quiet, verbose]) {
        const response = await target.app.request(PROMETHEUS, {
          method: 'POST',
          headers: JSON_HEADERS,
          body: JSON.stringify(webhook),
        });
        expect(response.status).toBe(202);
      }
      const payloadLines = (target: TestIngress) =>
        target.logLines
          .map((line) => JSON.parse(line) as { msg: string; level: number; payload?: Record<string, unknown> })
          .filter((line) => line.msg === 'signal payload received');
      expect(payloadLines(quiet)).toEqual([]);
      const [logged, ...more] = payloadLines(verbose);
      expect(more).toEqual([]);
      expect(logged?.level).toBe(20);
      expect(logged?.payload).toMatchObject({ groupKey: webhook.groupKey, token: '<redacted>' });
      expect(verbose.logLines.join('\n')).not.toContain('hunter2');
    } finally {
      await quiet.close();
      await verbose.close();
    }
  });

  it('answers 503 overloaded with Retry-After while the event loop stays late, and accepts again once it catches up', async () => {
    const delay = startEventLoopDelay({ intervalMs: 10, nowMs: () => performance.now() });
    const overloaded = createTestIngress({ config: { server: { maxEventLoopDelay: '50ms' } }, eventLoopDelay: delay });
    const send = () =>
      overloaded.app.request(PROMETHEUS, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: readFixtureText('alertmanager_v4_firing_multi.json'),
      });
    try {
      await waitFor(() => delay.sustainedMs() < 50, { timeoutMs: 5_000, description: 'a loop on time' });
      // A saturated loop: every tick of the monitor runs late, and the request is handled late too.
      await saturateEventLoop(120, 4);
      const refused = await send();
      expect(refused.headers.get('retry-after')).toBe('1');
      const problem = await expectProblem(refused, 503, 'service-unavailable');
      expect(problem.detail).toContain('overloaded');
      expect(await waitingSignals(overloaded.reader)).toEqual([]);
      await waitFor(() => delay.sustainedMs() < 50, { timeoutMs: 5_000, description: 'the loop catching up' });
      expect((await send()).status).toBe(202);
    } finally {
      delay.stop();
      await overloaded.close();
    }
  });
});
