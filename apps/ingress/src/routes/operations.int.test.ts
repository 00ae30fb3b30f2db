import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ConfigProblem,
  createConfigRuntime,
  formatProblems,
  loadConfig,
  readinessConfigDetail,
} from '@gateway/config';
import { problemType } from '@gateway/contracts';
import { readFixtureText } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIngress } from '../testing/test-ingress.js';
import { bearer, createTestIngress, TEST_CONFIG, TEST_TOKENS, waitingSignals } from '../testing/test-ingress.js';

const basic = (token: string) => ({ Authorization: `Basic ${Buffer.from(`ops:${token}`).toString('base64')}` });

let ingress: TestIngress;
beforeAll(() => {
  ingress = createTestIngress({ withDashboard: true });
});
afterAll(async () => {
  await ingress.close();
});

describe('health and readiness', () => {
  it('reports healthy with a millisecond UTC timestamp', async () => {
    const response = await ingress.app.request('/healthz');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; timestamp: string };
    expect(body.status).toBe('healthy');
    expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('is ready with the config hash while Redis answers PING', async () => {
    const response = await ingress.app.request('/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      configHash: 'abcdef012345',
      restartRequired: [],
      checks: { redis: 'ok' },
    });
  });

  it('is not ready until configuration reloads have started, so a fleet reload cannot miss it', async () => {
    let started = false;
    const starting = createTestIngress({ reloadsStarted: () => started });
    try {
      const before = await starting.app.request('/readyz');
      expect(before.status).toBe(503);
      expect(await before.json()).toMatchObject({ checks: { redis: 'ok', config: 'starting' } });
      started = true;
      expect((await starting.app.request('/readyz')).status).toBe(200);
    } finally {
      await starting.close();
    }
  });

  it('reports the restart-only keys a reload changed and why a candidate was rejected, and no configuration warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'readyz-config-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, 'queue: {highWaterMark: 60000}\n');
    const env = { GATEWAY_CONFIG: file, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' };
    const initial = loadConfig({ env });
    if (!initial.ok) throw new Error(formatProblems(initial.problems));
    const runtime = createConfigRuntime({ initial, build: () => undefined });
    let rejected: ConfigProblem[] = [];
    const propose = (yaml: string) => {
      writeFileSync(file, yaml);
      const outcome = runtime.propose(loadConfig({ env }));
      rejected = outcome.result === 'rejected' ? outcome.problems : [];
    };
    const watching = createTestIngress({
      configDetail: () => readinessConfigDetail(runtime.current().snapshot, rejected),
    });
    const readyz = async () => (await (await watching.app.request('/readyz')).json()) as Record<string, unknown>;
    try {
      const first = await readyz();
      expect(first).toMatchObject({ status: 'ready', restartRequired: [] });
      expect(first).not.toHaveProperty('warnings');
      expect(first).not.toHaveProperty('configProblems');

      propose('queue: {highWaterMark: 70000}\nserver: {port: 9000}\nredis: {prefix: other}\n');
      expect(await readyz()).toMatchObject({ restartRequired: ['server.port', 'redis.prefix'] });

      propose('queue: {lowWaterMark: 80000}\n');
      const broken = await readyz();
      expect(broken).toMatchObject({ status: 'ready', restartRequired: ['server.port', 'redis.prefix'] });
      expect(broken.configProblems).toEqual([expect.stringMatching(/^queue\.lowWaterMark: must be below/)]);
    } finally {
      await watching.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metrics', () => {
  it('exposes the ingress metrics in Prometheus text format', async () => {
    await ingress.app.request('/healthz');
    const response = await ingress.app.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('gateway_auth_disabled 0');
    expect(text).toMatch(
      /gateway_http_request_duration_seconds_count\{endpoint="\/healthz",method="GET",status="200"\} [1-9]/,
    );
  });
});

describe('admin queues', () => {
  it('challenges for Basic credentials without any', async () => {
    const response = await ingress.app.request('/admin/queues');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="gateway-admin"');
    expect(await response.json()).toMatchObject({ type: problemType('unauthorized') });
  });

  it('refuses a signals token with 403', async () => {
    const response = await ingress.app.request('/admin/queues', { headers: bearer(TEST_TOKENS.signals) });
    expect(response.status).toBe(403);
  });

  it('serves Bull Board to an admin token, with the dashboard CSP', async () => {
    const page = await ingress.app.request('/admin/queues', { headers: basic(TEST_TOKENS.admin) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(await page.text()).toContain('<html');

    const api = await ingress.app.request('/admin/queues/api/queues', { headers: bearer(TEST_TOKENS.admin) });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string }[] };
    expect(body.queues.map((queue) => queue.name)).toContain('signals');
  });

  it('does not exist when no admin token is configured', async () => {
    const bare = createTestIngress({ withDashboard: true, config: { auth: { tokens: [] } } });
    try {
      const response = await bare.app.request('/admin/queues', { headers: basic(TEST_TOKENS.admin) });
      expect(response.status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});

describe('admin config', () => {
  it('shows the effective configuration with secrets redacted and its hash to an admin token', async () => {
    const response = await ingress.app.request('/admin/config', { headers: bearer(TEST_TOKENS.admin) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      configHash: string;
      restartRequired: string[];
      config: { auth: { tokens: { token: string }[] } };
    };
    expect(body.configHash).toBe('abcdef012345');
    expect(body.restartRequired).toEqual([]);
    expect(body.config.auth.tokens.map((token) => token.token)).toEqual(['<redacted>', '<redacted>']);
    expect(JSON.stringify(body)).not.toContain(TEST_TOKENS.admin);
    expect(body.config).toHaveProperty('sources.prometheus.route', '/api/v1/signals/prometheus');
  });

  it('challenges without credentials and refuses a signals token', async () => {
    const anonymous = await ingress.app.request('/admin/config');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="gateway-admin"');
    expect((await ingress.app.request('/admin/config', { headers: bearer(TEST_TOKENS.signals) })).status).toBe(403);
  });

  it('does not exist when no admin token is configured', async () => {
    const bare = createTestIngress({ config: { auth: { tokens: [] } } });
    try {
      expect((await bare.app.request('/admin/config', { headers: bearer(TEST_TOKENS.admin) })).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});

describe('authentication disabled', () => {
  it('accepts unauthenticated signals as anonymous and reports gateway_auth_disabled 1', async () => {
    const open = createTestIngress({ config: { auth: { ...TEST_CONFIG.auth, mode: 'none' } } });
    try {
      const response = await open.app.request('/api/v1/signals/prometheus', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: readFixtureText('alertmanager_v4_firing_multi.json'),
      });
      expect(response.status).toBe(202);
      const [queued] = await waitingSignals(open.reader);
      expect(queued?.signal.principal).toEqual({ type: 'anonymous', id: 'anonymous' });
      expect(await (await open.app.request('/metrics')).text()).toContain('gateway_auth_disabled 1');
      // Admin endpoints stay protected when signal auth is off.
      expect((await open.app.request('/admin/queues')).status).toBe(401);
    } finally {
      await open.close();
    }
  });
});

describe('shutdown', () => {
  it('turns readiness 503 at once while signals are still accepted, then asks clients to close connections', async () => {
    const draining = createTestIngress();
    try {
      draining.lifecycle.beginShutdown();
      const ready = await draining.app.request('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('1');
      expect(await ready.json()).toMatchObject({ configHash: 'abcdef012345', checks: { shutdown: 'in-progress' } });

      const post = () =>
        draining.app.request('/api/v1/signals/prometheus', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals) },
          body: readFixtureText('alertmanager_v4_resolved.json'),
        });
      const during = await post();
      expect(during.status).toBe(202);
      expect(during.headers.get('connection')).toBeNull();

      draining.lifecycle.beginClosingConnections();
      const after = await post();
      expect(after.status).toBe(202);
      expect(after.headers.get('connection')).toBe('close');
    } finally {
      await draining.close();
    }
  });
});
