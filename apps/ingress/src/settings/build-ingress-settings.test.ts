import { GatewayConfigSchema } from '@gateway/config';
import { builtinSources, defineSource } from '@gateway/sources';
import { describe, expect, it } from 'vitest';
import type { IngressSettingsInput } from './build-ingress-settings.js';
import { buildIngressSettings } from './build-ingress-settings.js';
import { ingressSettingsInputFromConfig } from './ingress-settings-from-config.js';

const base: IngressSettingsInput = ingressSettingsInputFromConfig(
  GatewayConfigSchema.parse({}),
  [],
  '0123456789ab',
  { definitions: builtinSources, readFile: () => '', now: () => new Date() },
  [],
);
const plain = defineSource({
  apiVersion: 1,
  type: 'plain',
  signalSource: 'plain',
  parse: async () => ({ signals: [], ignored: [], rejected: [] }),
});

describe('build-ingress-settings', () => {
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
    expect(() =>
      buildIngressSettings({ ...base, queue: { highWaterMark: 10, lowWaterMark: 10, retryAfterSeconds: 5 } }),
    ).toThrow(/lowWaterMark/);
    expect(() => buildIngressSettings({ ...base, configHash: 'xyz' })).toThrow(/configHash/);
  });

  it('lets a disabled source keep a route an enabled one uses, since it answers 404 anyway', () => {
    const settings = buildIngressSettings({
      ...base,
      sources: [
        ...base.sources,
        { name: 'old', definition: plain, route: '/api/v1/signals/prometheus', enabled: false },
      ],
    });
    expect(settings.sources.map((source) => source.name)).toContain('old');
  });

  it('refuses duplicate token ids across env and configuration tokens', () => {
    const token = { id: 'env-1', digest: Buffer.alloc(32, 0xaa), scopes: ['signals'] as const, sources: '*' as const };
    expect(() =>
      buildIngressSettings({
        ...base,
        tokens: [
          { ...token, allowClusterHeader: false },
          { ...token, allowClusterHeader: false },
        ],
      }),
    ).toThrow(/env-1 is used twice/);
  });

  it('refuses a signature auth mode on a source that cannot verify signatures', () => {
    expect(() =>
      buildIngressSettings({ ...base, sources: [{ name: 'x', definition: plain, authMode: 'signature' }] }),
    ).toThrow(/verifies signatures/);
  });

  it('takes allowQueryToken, signalSource and contentTypes from the definition unless the instance sets them', () => {
    const queryTokens = defineSource({
      ...plain,
      type: 'query',
      defaultAllowQueryToken: true,
      contentTypes: ['text/csv'],
    });
    const settings = buildIngressSettings({
      ...base,
      sources: [
        { name: 'defaults', definition: queryTokens },
        {
          name: 'overridden',
          definition: queryTokens,
          allowQueryToken: false,
          signalSource: 'acme',
          contentTypes: ['text/plain'],
        },
        { name: 'bare', definition: plain },
      ],
    });
    const [defaults, overridden, bare] = settings.sources;
    expect(defaults).toMatchObject({ allowQueryToken: true, signalSource: 'plain', contentTypes: ['text/csv'] });
    expect(overridden).toMatchObject({ allowQueryToken: false, signalSource: 'acme', contentTypes: ['text/plain'] });
    expect(bare).toMatchObject({ allowQueryToken: false, contentTypes: ['application/json'], capabilities: {} });
  });
});
