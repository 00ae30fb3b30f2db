import { PROBLEM_CONTENT_TYPE, problemType } from '@gateway/contracts';
import { readFixtureText } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../http/json-body.js';
import type { TestIngress } from '../testing/test-ingress.js';
import { bearer, createTestIngress, TEST_TOKENS } from '../testing/test-ingress.js';

// Deeply nested JSON must cost a 400, not a stack overflow: 10 000 and 50 000 levels, unterminated at the top or
// complete inside a top-level field that ends up in the job (originalPayload).
const PROMETHEUS = '/api/v1/signals/prometheus';
const FIXTURE = 'alertmanager_v4_firing_multi.json';

const nested = (depth: number, open: string, close: string) => `${open.repeat(depth)}1${close.repeat(depth)}`;

function withExtra(raw: string): string {
  const webhook = JSON.parse(readFixtureText(FIXTURE)) as Record<string, unknown>;
  return JSON.stringify({ ...webhook, extra: '__NESTED__' }).replace('"__NESTED__"', raw);
}

const cases: [string, string][] = [10_000, 50_000].flatMap((depth): [string, string][] => [
  [`unterminated arrays ${depth}`, '['.repeat(depth)],
  [`nested arrays ${depth} in extra`, withExtra(nested(depth, '[', ']'))],
  [`nested objects ${depth} in extra`, withExtra(nested(depth, '{"a":', '}'))],
]);

let ingress: TestIngress;
let failEnqueue: Error | undefined;

beforeAll(() => {
  ingress = createTestIngress({
    wrapQueue: (queue) => ({
      enqueue: (jobs) => (failEnqueue === undefined ? queue.enqueue(jobs) : Promise.reject(failEnqueue)),
    }),
  });
});
afterAll(async () => {
  await ingress.close();
});

function post(body: string) {
  return ingress.app.request(PROMETHEUS, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals) },
    body,
  });
}

describe('deeply nested payloads', () => {
  it.each(cases)('answers %s with a 4xx problem, never 500 or 503, and enqueues nothing', async (_name, body) => {
    const before = await ingress.reader.count();
    const response = await post(body);
    expect([400, 413]).toContain(response.status);
    expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: response.status, request_id: response.headers.get('x-request-id') });
    expect(await ingress.reader.count()).toBe(before);
  });

  it('names the byte offset where unterminated nesting ends and the nesting limit for a deep field', async () => {
    const unterminated = await post('['.repeat(10_000));
    expect(await unterminated.json()).toMatchObject({
      type: problemType('validation-error'),
      detail: expect.stringContaining('ends unexpectedly'),
    });
    const deep = await post(withExtra(nested(10_000, '[', ']')));
    expect(await deep.json()).toMatchObject({
      type: problemType('validation-error'),
      detail: expect.stringContaining(`limit of ${MAX_JSON_DEPTH} levels`),
    });
  });

  it('still accepts the fixture with a field nested exactly to the limit', async () => {
    // The webhook object itself is the first level.
    const response = await post(withExtra(nested(MAX_JSON_DEPTH - 1, '[', ']')));
    expect(response.status).toBe(202);
  });

  it('answers a fault that is not a Redis outage with 500, logged, instead of a 503 the sender would retry forever', async () => {
    failEnqueue = new RangeError('Maximum call stack size exceeded');
    try {
      const response = await post(readFixtureText(FIXTURE));
      expect(response.status).toBe(500);
      expect(response.headers.get('retry-after')).toBeNull();
      const problem = (await response.json()) as Record<string, unknown>;
      expect(problem).toMatchObject({ type: problemType('internal-error') });
      expect(JSON.stringify(problem)).not.toContain('Maximum call stack');
      expect(ingress.logLines.some((line) => line.includes('enqueue failed') && line.includes('RangeError'))).toBe(
        true,
      );
    } finally {
      failEnqueue = undefined;
    }
  });
});
