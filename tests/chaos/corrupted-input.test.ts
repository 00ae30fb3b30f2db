import {
  createTestRedis,
  deleteKeysWithPrefix,
  type GatewayStack,
  readFixtureText,
  startGatewayStack,
} from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEED, FIXTURE, fuzzCases, postCases } from './support/corrupt-payloads.js';

// Bad input gets a clear answer: corrupted payloads (random byte flips, truncation, deep nesting) get a clear
// 4xx problem+json or a 202, never a 5xx or a crash, and no response leaks a stack trace or an address.
describe('corrupted Alertmanager payloads', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    stack = await startGatewayStack({ apps: ['ingress'] });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    if (stack) {
      const redis = createTestRedis();
      try {
        await deleteKeysWithPrefix(redis, stack.queuePrefix);
      } finally {
        redis.disconnect();
      }
    }
  });

  it('answers every corrupted payload with a 4xx problem+json or 202, never 5xx, and stays ready', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.error(stack.logs()));
    const seed = Number(process.env.CHAOS_SEED ?? DEFAULT_SEED);
    const cases = fuzzCases(seed);
    expect(cases.length).toBeGreaterThanOrEqual(250);
    expect(cases.length).toBeLessThanOrEqual(320);

    const { problems, statuses } = await postCases(stack.ingressUrl, stack.token, cases, seed);
    expect(problems, `statuses ${JSON.stringify([...statuses])}`).toEqual([]);
    // Both outcomes were exercised: corruption is not all rejected, nor all accepted.
    expect(statuses.get(202) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);

    expect(stack.isRunning('ingress')).toBe(true);
    expect((await fetch(`${stack.ingressUrl}/readyz`)).status).toBe(200);
    // Still serving valid traffic after the barrage.
    const valid = await fetch(`${stack.ingressUrl}/api/v1/signals/prometheus`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: readFixtureText(FIXTURE),
    });
    expect(valid.status, await valid.text()).toBe(202);
  });
});
