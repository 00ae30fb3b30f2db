import type { ReadinessConfigDetail } from '@gateway/config';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createWorkerApp } from './app.js';

function app(configDetail: () => ReadinessConfigDetail) {
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
    configDetail,
  });
}

describe('worker app', () => {
  it('reports nothing pending when the running configuration is the one it started with', async () => {
    const response = await app(() => ({ restartRequired: [] })).request('/readyz');
    expect(await response.json()).toEqual({
      status: 'ready',
      configHash: 'abcdef012345',
      restartRequired: [],
      checks: { redis: 'ok', informers: 'ok', kubernetes: 'ok' },
    });
  });

  it('lists the held restart-only keys and the problems of a rejected reload in /readyz', async () => {
    const detail = {
      restartRequired: ['kubernetes.remediationNamespace'],
      configProblems: ['dedup.flushInterval: got "soon"; rule: must be a duration'],
    };
    const response = await app(() => detail).request('/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready', configHash: 'abcdef012345', ...detail });
  });
});
