import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DataStorageStub, startDataStorageStub, waitFor } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerWebhook, type PodAlert, podRrName } from '../support/alerts.js';
import { type GatewayFixture, startGatewayFixture } from '../support/gateway-fixture.js';

// One connected trace per signal, from the ingress's HTTP request to the RR, exported by both apps (real processes)
// over OTLP/HTTP to a receiver on loopback: the exporter, the propagation through the job data and every span.

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  links?: { traceId: string; spanId: string }[];
  service: string;
}

interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: Omit<OtlpSpan, 'service'>[] }[];
  }[];
}

/** An OTLP/HTTP trace receiver (JSON encoding) that keeps every span it is sent. */
async function startOtlpReceiver(): Promise<{ url: string; spans: OtlpSpan[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
        for (const resource of body.resourceSpans ?? []) {
          const service = resource.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const scope of resource.scopeSpans ?? [])
            for (const span of scope.spans ?? []) spans.push({ ...span, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('tracing', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let fx: GatewayFixture;
  let dataStorage: DataStorageStub;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    dataStorage = await startDataStorageStub();
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Exported within a fraction of a second instead of the default 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    fx = await startGatewayFixture({
      stack: { dataStorageUrl: dataStorage.url, env: { ingress: otel, worker: otel } },
    });
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
    await dataStorage?.close();
    receiver?.server.close();
  });

  /** Posts one webhook as a traced client would, so the request's trace id is known. */
  async function postTraced(alerts: PodAlert[]): Promise<string> {
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(`${fx.stack.ingressUrl}/api/v1/signals/prometheus`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${fx.stack.token}`,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify(alertmanagerWebhook(alerts)),
    });
    expect(response.status).toBe(202);
    return traceId;
  }

  const spansOf = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
  const named = (spans: OtlpSpan[], name: string) => spans.filter((span) => span.name === name);

  /** Waits for the worker's span of the signal, then checks the chain request → queue.add → signal.process. */
  async function connectedTrace(traceId: string, steps: string[]): Promise<OtlpSpan[]> {
    await waitFor(() => named(spansOf(traceId), 'signal.process').length === 1, {
      timeoutMs: 20_000,
      description: `the worker's span of trace ${traceId}`,
    }).catch((err: Error) => {
      throw new Error(
        `${err.message}; spans: ${JSON.stringify(receiver.spans.map((s) => s.name))}\n${fx.stack.logs()}`,
      );
    });
    const requestSpans = (spans: OtlpSpan[]) =>
      spans.filter((span) => span.service === 'signal-gateway-ingress' && span.name.startsWith('POST'));
    // The ingress exports its spans in batches of its own, so its request span can arrive after the worker's.
    await waitFor(
      () => {
        const spans = spansOf(traceId);
        return steps.every((step) => named(spans, step).length > 0) && requestSpans(spans).length > 0;
      },
      { timeoutMs: 10_000, description: `the request span and the steps ${steps.join(', ')} of trace ${traceId}` },
    );
    const spans = spansOf(traceId);
    const [request] = requestSpans(spans);
    const [enqueue] = named(spans, 'queue.add');
    const [signal] = named(spans, 'signal.process');
    expect(request, 'the ingress request span').toBeDefined();
    expect(enqueue?.parentSpanId).toBe(request?.spanId);
    expect(signal?.parentSpanId).toBe(enqueue?.spanId);
    expect(signal?.service).toBe('signal-gateway-worker');
    // Linked to the span of the BullMQ job that carried it, which many signals may share.
    const [link] = signal?.links ?? [];
    expect(link).toBeDefined();
    expect(
      receiver.spans.some((span) => span.spanId === link?.spanId && span.service === 'signal-gateway-worker'),
    ).toBe(true);
    // Every step descends from the signal's span.
    const descendsFromSignal = (span: OtlpSpan | undefined): boolean => {
      for (let at = span, hops = 0; at && hops < 10; hops += 1) {
        if (at.parentSpanId === signal?.spanId) return true;
        at = spans.find((s) => s.spanId === at?.parentSpanId);
      }
      return false;
    };
    // The fingerprint runs once per signal, before the job groups its signals by it: it joins the trace under the
    // enqueue; every decision step descends from the signal's span.
    const [fingerprint] = named(spans, 'fingerprint');
    if (steps.includes('fingerprint')) expect(fingerprint?.parentSpanId).toBe(enqueue?.spanId);
    for (const step of steps.filter((name) => name !== 'fingerprint'))
      expect(descendsFromSignal(named(spans, step)[0]), `${step} under signal.process`).toBe(true);
    return spans;
  }

  it('connects a new alert from the request to its RR, a duplicate and a resolved one, and logs the trace id', async () => {
    const alert = { alertname: 'KubePodCrashLooping', namespace: 'traced', pod: 'api-0' };
    const created = await postTraced([{ ...alert, startsAt: '2026-12-02T10:00:00.000Z' }]);
    const createdSpans = await connectedTrace(created, ['fingerprint', 'dedup.admit', 'k8s.create', 'k8s.patchStatus']);
    // The Kubernetes client's HTTP call appears under its k8s span (undici's instrumentation).
    const [create] = named(createdSpans, 'k8s.create');
    expect(createdSpans.some((span) => span.parentSpanId === create?.spanId)).toBe(true);
    await fx.waitForCount(podRrName(alert.alertname, alert.namespace, alert.pod), 1);

    const duplicate = await postTraced([{ ...alert, startsAt: '2026-12-02T10:05:00.000Z' }]);
    const duplicateSpans = await connectedTrace(duplicate, ['fingerprint', 'dedup.admit']);
    expect(named(duplicateSpans, 'k8s.create')).toEqual([]);

    const resolved = await postTraced([{ ...alert, startsAt: '2026-12-02T10:05:00.000Z', status: 'resolved' }]);
    await connectedTrace(resolved, ['fingerprint', 'dedup.admit']);

    // The worker's line for each signal names its trace.
    await waitFor(() => fx.stack.output('worker').some((line) => line.includes(`"trace_id":"${duplicate}"`)), {
      timeoutMs: 5_000,
      description: 'a worker log line carrying the trace id',
    });
  });

  it('traces each audit shipment, and Data Storage receives its trace context', async () => {
    await waitFor(() => receiver.spans.some((span) => span.name === 'audit.ship'), {
      timeoutMs: 20_000,
      description: 'an audit.ship span',
    });
    const shipments = receiver.spans.filter((span) => span.name === 'audit.ship');
    // The POST to Data Storage is traced under its shipment and carries that trace's context.
    const posts = receiver.spans.filter((span) => shipments.some((ship) => ship.spanId === span.parentSpanId));
    expect(posts.map((span) => span.name)).toContain('POST');
    const propagated = dataStorage
      .requests()
      .map((request) => request.traceparent?.split('-')[1])
      .filter((traceId) => traceId !== undefined);
    expect(shipments.some((ship) => propagated.includes(ship.traceId))).toBe(true);
  });
});
