import { GatewayConfigSchema } from '@gateway/config';
import { builtinSources } from '@gateway/sources';
import { describe, expect, it } from 'vitest';
import { ingressSettingsFromConfig } from '../settings/ingress-settings-from-config.js';
import { rateLimitRequest } from './rate-limit-request.js';

const config = GatewayConfigSchema.parse({
  rateLimits: { perToken: { ratePerSecond: 10, burst: 20 }, perSource: { ratePerSecond: 100, burst: 200 } },
  auth: {
    tokens: [
      { id: 'plain', tokenSha256: 'a'.repeat(64) },
      { id: 'own', tokenSha256: 'b'.repeat(64), rateLimit: { ratePerSecond: 1, burst: 2 } },
    ],
  },
  sources: { 'kubernetes-event': { rateLimit: { ratePerSecond: 5, burst: 6 } } },
});
const { settings } = ingressSettingsFromConfig(config, [], '0123456789ab', {
  definitions: builtinSources,
  readFile: () => '',
  now: () => new Date(),
});
const prometheus = settings.sources.find((source) => source.name === 'prometheus')!;
const kube = settings.sources.find((source) => source.name === 'kubernetes-event')!;

describe('rate-limit-request', () => {
  it('uses the global limits for a token without its own, keyed by source and token id', () => {
    expect(rateLimitRequest(settings, prometheus, { type: 'token', id: 'plain' }, '10.0.0.1', 3)).toEqual({
      buckets: [
        { id: 'prometheus:token:plain', limit: { ratePerSecond: 10, burst: 20 } },
        { id: 'prometheus', limit: { ratePerSecond: 100, burst: 200 } },
      ],
      cost: 3,
    });
  });

  it('applies the token and source overrides', () => {
    const request = rateLimitRequest(settings, kube, { type: 'token', id: 'own' }, '10.0.0.1', 1);
    expect(request.buckets.map((bucket) => bucket.limit)).toEqual([
      { ratePerSecond: 1, burst: 2 },
      { ratePerSecond: 5, burst: 6 },
    ]);
  });

  it('knows anonymous senders by client IP and signers by their id', () => {
    expect(
      rateLimitRequest(settings, prometheus, { type: 'anonymous', id: 'anonymous' }, '10.0.0.9', 1).buckets[0].id,
    ).toBe('prometheus:ip:10.0.0.9');
    expect(rateLimitRequest(settings, prometheus, { type: 'signature', id: 'arn' }, '10.0.0.9', 1).buckets[0].id).toBe(
      'prometheus:signature:arn',
    );
  });
});
