import { GatewayConfigSchema } from '@gateway/config';
import { builtinSources, defineSource, type SourceDefinition } from '@gateway/sources';
import { describe, expect, it } from 'vitest';
import type { IngressSettingsInput } from './build-ingress-settings.js';
import { buildIngressSettings } from './build-ingress-settings.js';
import { IngressSettingsError } from './ingress-settings-error.js';
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
  it('refuses a signature auth mode on a source that cannot verify signatures, naming the key', () => {
    expect(() =>
      buildIngressSettings({ ...base, sources: [{ name: 'x', definition: plain, authMode: 'signature' }] }),
    ).toThrow(/^sources\.x\.auth\.mode: needs a source type that verifies signatures/);
  });

  it('refuses options the adapter does not accept as a problem of the source', () => {
    let refused: unknown;
    try {
      buildIngressSettings({
        ...base,
        sources: [
          { name: 'dd', definition: builtinSources.datadog as SourceDefinition<unknown>, options: { noData: 7 } },
        ],
      });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(IngressSettingsError);
    expect((refused as IngressSettingsError).problems).toEqual([
      expect.objectContaining({ path: 'sources.dd', value: { noData: 7 }, rule: expect.stringContaining('datadog') }),
    ]);
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
