import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DeduplicationStatus, ErrorCode, GatewayError, type RemediationRequestObject } from '@gateway/contracts';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { BreakerState, createCircuitBreaker, DEFAULT_CIRCUIT_BREAKER_SETTINGS } from './circuit-breaker.js';
import { createRemediationClient, type KubeClientHooks } from './remediation-client.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';

/** One scripted answer; `reset` destroys the socket without a response, as a dying API server does. */
type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | 'reset' | 'hang';

interface SeenRequest {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

interface Loopback {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** Answers requests from `script` in order, repeating the last answer once the script runs out. */
async function loopback(script: Answer[]): Promise<Loopback> {
  const seen: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body });
      const answer = script[Math.min(seen.length, script.length) - 1] ?? { status: 500 };
      if (answer === 'reset') return void req.socket.destroy();
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body ?? {}));
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function kubeConfigFor(url: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'loopback', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'test-token' }],
    contexts: [{ name: 'loopback', cluster: 'loopback', user: 'u' }],
    currentContext: 'loopback',
  });
  return kubeConfig;
}

const fastPolicy: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  initialBackoffMs: 1,
  maxBackoffMs: 20,
  requestTimeoutMs: 2000,
};

function setup(url: string, policy: RetryPolicy = fastPolicy, breakerOverrides = {}) {
  const events: string[] = [];
  const breakerStates: BreakerState[] = [];
  const delays: number[] = [];
  const hooks: KubeClientHooks = {
    onRequest: (operation, code) => events.push(`request ${operation} ${code}`),
    onRetry: (operation, errorType) => events.push(`retry ${operation} ${errorType}`),
    onExhausted: (operation, errorType) => events.push(`exhausted ${operation} ${errorType}`),
  };
  const breaker = createCircuitBreaker({
    name: 'k8s-api',
    settings: () => ({ ...DEFAULT_CIRCUIT_BREAKER_SETTINGS, ...breakerOverrides }),
    onStateChange: (_, state) => breakerStates.push(state),
  });
  const client = createRemediationClient(kubeConfigFor(url), {
    policy: () => policy,
    breaker,
    hooks,
    retryRuntime: {
      sleep: async (ms) => {
        delays.push(ms);
      },
    },
  });
  return { client, events, breaker, breakerStates, delays };
}

const rr: RemediationRequestObject = {
  apiVersion: 'kubernaut.ai/v1alpha1',
  kind: 'RemediationRequest',
  metadata: { name: 'rr-c35a9758b42c-423a5916', namespace: 'kubernaut-system' },
  spec: {
    signalFingerprint: 'c'.repeat(64),
    signalName: 'HighMemoryUsage',
    severity: 'critical',
    signalType: 'alert',
    targetType: 'kubernetes',
    targetResource: { kind: 'Pod', name: 'api', namespace: 'prod' },
    firingTime: '2025-01-02T03:00:00.000Z',
    receivedTime: '2025-01-02T03:00:01.000Z',
  },
};

const status = (code: number, reason: string) => ({
  status: code,
  body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code },
});

describe('createRemediationClient over HTTP', () => {
  it('creates with fieldManager and reports already-exists on 409 AlreadyExists', async () => {
    const server = await loopback([{ status: 201, body: rr }, status(409, 'AlreadyExists')]);
    const { client, events } = setup(server.url);
    await expect(client.create(rr)).resolves.toBe('created');
    await expect(client.create(rr)).resolves.toBe('already-exists');
    expect(server.seen[0]).toMatchObject({
      method: 'POST',
      url: '/apis/kubernaut.ai/v1alpha1/namespaces/kubernaut-system/remediationrequests?fieldManager=kubernaut-gateway',
    });
    expect(JSON.parse(server.seen[0]?.body ?? '{}')).toEqual(rr);
    expect(events).toEqual(['request rr.create 201', 'request rr.create 409']);
  });

  it('retries 503 until it succeeds', async () => {
    const server = await loopback([
      status(503, 'ServiceUnavailable'),
      status(503, 'ServiceUnavailable'),
      { status: 201, body: rr },
    ]);
    const { client, events } = setup(server.url);
    await expect(client.create(rr)).resolves.toBe('created');
    expect(server.seen).toHaveLength(3);
    expect(events.filter((e) => e.startsWith('retry'))).toEqual([
      'retry rr.create service_unavailable',
      'retry rr.create service_unavailable',
    ]);
  });

  it('honours Retry-After on 429, capped by the maximum backoff', async () => {
    const server = await loopback([
      { ...status(429, 'TooManyRequests'), headers: { 'retry-after': '1' } },
      { status: 201, body: rr },
    ]);
    const { client, delays } = setup(server.url, { ...fastPolicy, maxBackoffMs: 700 });
    await expect(client.create(rr)).resolves.toBe('created');
    expect(delays).toEqual([700]);
  });

  it.each([
    [400, 'BadRequest', 'bad_request', ErrorCode.k8sBadRequest],
    [422, 'Invalid', 'unprocessable_entity', ErrorCode.k8sInvalid],
    [403, 'Forbidden', 'forbidden', ErrorCode.k8sForbidden],
  ])('does not retry %i and throws a non-retryable GatewayError', async (code, reason, errorType, errorCode) => {
    const server = await loopback([status(code, reason), { status: 201, body: rr }]);
    const { client } = setup(server.url);
    const error = await client.create(rr).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({
      errorType,
      code: errorCode,
      retryable: false,
      httpStatus: code,
      k8sReason: reason,
      rrName: rr.metadata.name,
      attempt: 1,
    });
    expect(server.seen).toHaveLength(1);
  });

  it('gives up after maxAttempts with the attempt count in the error', async () => {
    const server = await loopback([status(500, 'InternalError')]);
    const { client, events } = setup(server.url);
    const error = await client.create(rr).catch((e: unknown) => e);
    expect(error).toMatchObject({
      errorType: 'internal_error',
      retryable: true,
      attempt: 3,
      maxAttempts: 3,
      operation: 'rr.create',
    });
    expect(server.seen).toHaveLength(3);
    expect(events.at(-1)).toBe('exhausted rr.create internal_error');
  });

  it('retries a reset connection as a network error', async () => {
    const server = await loopback(['reset', { status: 201, body: rr }]);
    const { client, events } = setup(server.url);
    await expect(client.create(rr)).resolves.toBe('created');
    expect(events[0]).toBe('request rr.create network_error');
  });

  it('reports a refused connection as a retryable network error', async () => {
    const server = await loopback([]);
    await server.close();
    const { client } = setup(server.url);
    const error = await client.get('kubernaut-system', 'gone').catch((e: unknown) => e);
    expect(error).toMatchObject({
      errorType: 'network_error',
      code: ErrorCode.k8sNetwork,
      retryable: true,
      attempt: 3,
    });
  });

  it('aborts an attempt that exceeds the request timeout', async () => {
    const server = await loopback(['hang', { status: 200, body: rr }]);
    const { client, events } = setup(server.url, { ...fastPolicy, requestTimeoutMs: 200 });
    await expect(client.get('kubernaut-system', rr.metadata.name)).resolves.toEqual(rr);
    expect(events).toEqual(
      expect.arrayContaining(['request rr.get timeout', 'retry rr.get timeout', 'request rr.get 200']),
    );
  });

  it('returns undefined when get finds nothing', async () => {
    const server = await loopback([status(404, 'NotFound')]);
    const { client } = setup(server.url);
    await expect(client.get('kubernaut-system', 'missing')).resolves.toBeUndefined();
    expect(server.seen).toHaveLength(1);
  });

  it('sends the dedup status as a merge patch on the status subresource', async () => {
    const server = await loopback([{ status: 200, body: rr }, status(404, 'NotFound')]);
    const { client } = setup(server.url);
    const dedup: DeduplicationStatus = {
      firstSeenAt: '2025-01-02T03:00:01.000Z',
      lastSeenAt: '2025-01-02T03:05:00.000Z',
      occurrenceCount: 7,
    };
    await expect(client.patchDeduplication('kubernaut-system', rr.metadata.name, dedup)).resolves.toBe('ok');
    await expect(client.patchDeduplication('kubernaut-system', 'missing', dedup)).resolves.toBe('gone');
    expect(server.seen[0]).toMatchObject({
      method: 'PATCH',
      url: `/apis/kubernaut.ai/v1alpha1/namespaces/kubernaut-system/remediationrequests/${rr.metadata.name}/status?fieldManager=kubernaut-gateway`,
      contentType: 'application/merge-patch+json',
    });
    expect(JSON.parse(server.seen[0]?.body ?? '{}')).toEqual({ status: { deduplication: dedup } });
  });

  it('opens the breaker under repeated failures and then fails fast without calling the API', async () => {
    const server = await loopback([status(503, 'ServiceUnavailable')]);
    const { client, breaker, breakerStates } = setup(server.url, { ...fastPolicy, maxAttempts: 1 }, { minRequests: 4 });
    for (let i = 0; i < 4; i++) await client.create(rr).catch(() => undefined);
    expect(breaker.state()).toBe(BreakerState.open);
    expect(breakerStates).toEqual([BreakerState.open]);
    const error = await client.create(rr).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.circuitOpen, errorType: 'circuit_open', retryable: true });
    expect(server.seen).toHaveLength(4);
  });
});
