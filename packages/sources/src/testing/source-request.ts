import type { SourceType } from '@gateway/contracts';
import { parseOptions } from '../parse-options.js';
import type { CommonSourceSettings, RawRequest, SourceContext, SourceDefinition } from '../source-definition.js';

/** Test-only builders: a delivery as ingress would hand it to `parse`, and a context with default settings. */
export const DEFAULT_TEST_SETTINGS: CommonSourceSettings = {
  severityMap: {},
  defaultSeverity: 'unknown',
  unresolvedTarget: 'accept',
  clusterLabel: 'cluster',
};

export const TEST_RECEIVED_AT = new Date('2025-01-01T00:00:00.000Z');

export function jsonRequest(json: unknown, path = '/api/v1/signals/test'): RawRequest {
  const text = JSON.stringify(json);
  return {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    query: {},
    rawBody: new TextEncoder().encode(text),
    json,
    receivedAt: TEST_RECEIVED_AT,
  };
}

export function sourceContext<O>(
  definition: SourceDefinition<O>,
  overrides: { name?: string; options?: unknown; settings?: Partial<CommonSourceSettings> } = {},
): SourceContext<O> {
  return {
    name: overrides.name ?? definition.type,
    sourceType: definition.type as SourceType,
    signalSource: definition.signalSource,
    options: parseOptions(definition, overrides.options),
    settings: { ...DEFAULT_TEST_SETTINGS, ...overrides.settings },
    now: () => TEST_RECEIVED_AT,
  };
}
