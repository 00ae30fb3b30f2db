import { describe, expect, it } from 'vitest';
import { builtinSourceInstances, builtinSources } from './builtin-sources.js';
import { parseOptions } from './parse-options.js';

describe('builtinSources', () => {
  it('registers each adapter under its own type with its sender-driven statuses', () => {
    expect(
      Object.entries(builtinSources).map(([key, source]) => [
        key,
        source.type,
        source.signalSource,
        source.defaultAuthMode,
        source.rateLimitStatus,
        source.defaultOverloadStatus,
      ]),
    ).toEqual([
      ['alertmanager', 'alertmanager', 'prometheus', 'token', 503, 503],
      ['kubernetes-event', 'kubernetes-event', 'kubernetes-events', 'token', 429, 503],
      ['cloudwatch', 'cloudwatch', 'aws-cloudwatch', 'signature', 503, 503],
      ['azure-monitor', 'azure-monitor', 'azure-monitor', 'token', 429, 503],
      ['datadog', 'datadog', 'datadog', 'token', 503, 503],
      ['grafana', 'grafana', 'grafana', 'token', 503, 503],
    ]);
  });

  it('describes default instances whose types are all registered', () => {
    expect(builtinSourceInstances).toEqual({
      prometheus: { type: 'alertmanager', route: '/api/v1/signals/prometheus', enabled: true },
      'kubernetes-event': { type: 'kubernetes-event', route: '/api/v1/signals/kubernetes-event', enabled: true },
    });
    for (const instance of Object.values(builtinSourceInstances)) expect(builtinSources[instance.type]).toBeDefined();
  });
});

describe('parseOptions', () => {
  it('fills defaults when options are missing', () => {
    const alertmanager = parseOptions(builtinSources.alertmanager!, undefined) as { resourceLabels: unknown[] };
    expect(alertmanager.resourceLabels).toHaveLength(12);
    expect(alertmanager.resourceLabels[0]).toEqual({ label: 'pod', kind: 'Pod' });
    expect(parseOptions(builtinSources['kubernetes-event']!, {})).toEqual({ maxEventsPerRequest: 100 });
  });

  it('keeps configured values', () => {
    expect(parseOptions(builtinSources['kubernetes-event']!, { maxEventsPerRequest: 5 })).toEqual({
      maxEventsPerRequest: 5,
    });
  });

  it('throws when options break the schema', () => {
    expect(() => parseOptions(builtinSources['kubernetes-event']!, { maxEventsPerRequest: 0 })).toThrow(
      /maxEventsPerRequest/,
    );
    expect(() => parseOptions(builtinSources.alertmanager!, { resourceLabels: [{ label: 'pod' }] })).toThrow(/kind/);
  });

  it('passes options through unchanged for a definition without a schema', () => {
    const definition = {
      apiVersion: 1 as const,
      type: 'x',
      signalSource: 'x',
      parse: async () => ({ signals: [], ignored: [], rejected: [] }),
    };
    expect(parseOptions(definition, { a: 1 })).toEqual({ a: 1 });
  });
});
