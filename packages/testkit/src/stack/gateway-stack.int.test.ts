import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis, deleteKeysWithPrefix } from '../redis-fixture.js';
import { type GatewayStack, startGatewayStack } from './gateway-stack.js';
import { scrapeMetrics, sumMetric } from './prometheus-text.js';

// Runs the real ingress from apps/ingress/dist (scripts/test builds first), alone: no worker, no Kubernetes.
const ALERT = {
  version: '4',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'StackHarness', namespace: 'shop', pod: 'web-0' },
      startsAt: new Date().toISOString(),
    },
  ],
};

describe('startGatewayStack', () => {
  const stacks: GatewayStack[] = [];
  afterAll(async () => {
    const redis = createTestRedis();
    try {
      for (const stack of stacks) {
        await stack.stop();
        await deleteKeysWithPrefix(redis, stack.queuePrefix);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('starts the ingress from its build output and keeps its URL across a restart', async ({ onTestFailed }) => {
    const stack = await startGatewayStack({ apps: ['ingress'] });
    stacks.push(stack);
    onTestFailed(() => console.error(stack.logs()));
    const post = () =>
      fetch(`${stack.ingressUrl}/api/v1/signals/prometheus`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(ALERT),
      });
    expect((await post()).status).toBe(202);
    expect(sumMetric(await scrapeMetrics(`${stack.ingressUrl}/metrics`), 'gateway_signals_received_total')).toBe(1);

    await stack.restart('ingress');
    expect(stack.isRunning('ingress')).toBe(true);
    expect((await post()).status).toBe(202);
    // A new process: its counters start again from zero.
    expect(sumMetric(await scrapeMetrics(`${stack.ingressUrl}/metrics`), 'gateway_signals_received_total')).toBe(1);
    expect(stack.isRunning('worker')).toBe(false);

    expect(await stack.kill('ingress', 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(stack.isRunning('ingress')).toBe(false);
    await expect(fetch(`${stack.ingressUrl}/readyz`)).rejects.toThrow();
  });

  it('fails with the exit code and the app output when the app dies before it is ready', async () => {
    // Occupy a port and point the ingress at it: it cannot listen and exits, which the harness must report.
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const attempt = startGatewayStack({
        apps: ['ingress'],
        readyTimeoutMs: 15_000,
        env: { ingress: { PORT: String(port) } },
      });
      // Should it start after all, stop it like any other stack.
      void attempt.then((stack) => stacks.push(stack)).catch(() => undefined);
      await expect(attempt).rejects.toThrow(
        /ingress exited with code \d+ before .*\/readyz answered 200[\s\S]*EADDRINUSE/,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses variables outside the operational contract so tests cannot depend on hidden switches', async () => {
    await expect(startGatewayStack({ apps: ['ingress'], env: { ingress: { NODE_ENV: 'test' } } })).rejects.toThrow(
      /env\.ingress\.NODE_ENV is neither a contract variable, a GATEWAY_CFG__ path nor an OTEL_ variable/,
    );
  });

  it('requires a kubeconfig for the worker instead of letting it find the developer cluster', async () => {
    await expect(startGatewayStack({ apps: ['worker'] })).rejects.toThrow(
      /worker needs options\.kubeconfig|build first/,
    );
  });
});
