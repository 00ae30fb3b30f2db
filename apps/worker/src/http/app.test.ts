import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createWorkerApp } from './app.js';

function app(configDetail?: () => { restartRequired: string[]; configProblems?: string[]; warnings?: string[] }) {
  return createWorkerApp({
    readiness: {
      shuttingDown: () => false,
      redisOk: async () => true,
      informersSynced: () => true,
      kubernetesDegraded: () => false,
    },
    registry: new Registry(),
    configHash: () => 'abcdef012345',
    now: () => new Date(0),
    ...(configDetail ? { configDetail } : {}),
  });
}

describe('worker app', () => {
  it('reports nothing pending when it has no view of the configuration on disk', async () => {
    const response = await app().request('/readyz');
    expect(await response.json()).toEqual({
      status: 'ready',
      configHash: 'abcdef012345',
      restartRequired: [],
      checks: { redis: 'ok', informers: 'ok', kubernetes: 'ok' },
    });
  });

  it('includes the pending sections and file problems in /readyz', async () => {
    const detail = {
      restartRequired: ['dedup'],
      configProblems: ['reload.watch: is not supported in this version'],
    };
    const response = await app(() => detail).request('/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready', ...detail });
  });
});
