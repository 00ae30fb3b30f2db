import { defineSource } from '@gateway/sources';
import { describe, expect, it } from 'vitest';
import { tokenDigest } from '../auth/token-digest.js';
import { buildIngressSettings, computeConfigHash, IngressSettingsError } from './build-ingress-settings.js';
import { builtinSourceInputs } from './builtin-source-inputs.js';

const base = { authMode: 'token' as const, envTokens: [], configHash: '0123456789ab', sources: builtinSourceInputs() };
const plain = defineSource({
  apiVersion: 1,
  type: 'plain',
  signalSource: 'plain',
  parse: async () => ({ signals: [], ignored: [], rejected: [] }),
});

describe('build-ingress-settings', () => {
  it('applies the documented defaults', () => {
    const { settings } = buildIngressSettings(base);
    expect(settings.server).toMatchObject({
      bodyLimitBytes: 262_144,
      maxInFlightRequests: 512,
      requestTimeoutMs: 10_000,
    });
    expect(settings.queue).toEqual({ highWaterMark: 50_000, lowWaterMark: 40_000, retryAfterSeconds: 5 });
    expect(settings.multiCluster).toEqual({ enabled: false, clusterLabel: 'cluster', defaultClusterId: '' });
    const prometheus = settings.sources.find((source) => source.name === 'prometheus');
    expect(prometheus).toMatchObject({
      route: '/api/v1/signals/prometheus',
      enabled: true,
      sourceType: 'alertmanager',
      authMode: 'token',
      allowQueryToken: false,
      requireTimestamp: false,
      rateLimitStatus: 503,
      deliveryDedup: true,
      settings: { severityMap: {}, defaultSeverity: 'unknown', unresolvedTarget: 'accept', clusterLabel: 'cluster' },
    });
    expect(prometheus?.options).toMatchObject({ resourceLabels: expect.any(Array) });
  });

  it('keeps only digests of env tokens, with ids env-1, env-2 and the signals scope', () => {
    const secret = 'a-very-long-secret-token-0123456789';
    const { settings } = buildIngressSettings({
      ...base,
      envTokens: ['', ` ${secret} `, 'another-secret-token-0123456789abcdef'],
    });
    expect(settings.auth.tokens.map((token) => token.id)).toEqual(['env-1', 'env-2']);
    expect(settings.auth.tokens[0]).toEqual({
      id: 'env-1',
      sha256: tokenDigest(secret).toString('hex'),
      scopes: ['signals'],
      sources: '*',
    });
    expect(JSON.stringify(settings)).not.toContain(secret);
  });

  it('refuses tokens under 16 characters and warns under 32', () => {
    expect(() => buildIngressSettings({ ...base, envTokens: ['short-token'] })).toThrow(IngressSettingsError);
    const { warnings } = buildIngressSettings({ ...base, envTokens: ['sixteen-chars-ok'] });
    expect(warnings).toEqual([expect.stringContaining('env-1')]);
  });

  it('refuses invalid names, routes outside /api/v1/signals/, duplicates and bad marks', () => {
    expect(() => buildIngressSettings({ ...base, sources: [{ name: 'Bad_Name', definition: plain }] })).toThrow(
      /source name/,
    );
    expect(() =>
      buildIngressSettings({ ...base, sources: [{ name: 'ok', definition: plain, route: '/hooks/ok' }] }),
    ).toThrow(/route/);
    expect(() =>
      buildIngressSettings({
        ...base,
        sources: [...base.sources, { name: 'x', definition: plain, route: '/api/v1/signals/prometheus' }],
      }),
    ).toThrow(/route/);
    expect(() => buildIngressSettings({ ...base, queue: { highWaterMark: 10, lowWaterMark: 10 } })).toThrow(
      /lowWaterMark/,
    );
    expect(() => buildIngressSettings({ ...base, configHash: 'xyz' })).toThrow(/configHash/);
  });

  it('refuses a signature auth mode on a source that cannot verify signatures', () => {
    expect(() =>
      buildIngressSettings({ ...base, sources: [{ name: 'x', definition: plain, authMode: 'signature' }] }),
    ).toThrow(/verifies signatures/);
  });

  it('hashes configuration canonically, independent of key order', () => {
    expect(computeConfigHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(
      computeConfigHash({ b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    expect(computeConfigHash({ a: 1 })).toMatch(/^[0-9a-f]{12}$/);
    expect(computeConfigHash({ a: 1 })).not.toBe(computeConfigHash({ a: 2 }));
  });
});
