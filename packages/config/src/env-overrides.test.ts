import { describe, expect, it } from 'vitest';
import { overridePath, readConfigOverrides } from './env-overrides.js';

describe('env-overrides', () => {
  it('turns SCREAMING_SNAKE segments into camelCase keys', () => {
    expect(overridePath('GATEWAY_CFG__AUDIT__BATCH_SIZE')).toEqual(['audit', 'batchSize']);
    expect(overridePath('GATEWAY_CFG__AUTH__TOKEN_REVIEW__NEGATIVE_CACHE_TTL')).toEqual([
      'auth',
      'tokenReview',
      'negativeCacheTtl',
    ]);
  });

  it('keeps source instance names lowercase with dashes and digits as array indices', () => {
    expect(overridePath('GATEWAY_CFG__SOURCES__AZURE_MONITOR__ALLOW_QUERY_TOKEN')).toEqual([
      'sources',
      'azure-monitor',
      'allowQueryToken',
    ]);
    expect(overridePath('GATEWAY_CFG__AUTH__TOKENS__0__TOKEN_FILE')).toEqual(['auth', 'tokens', 0, 'tokenFile']);
  });

  it('parses scalars and flow collections, keeps other text verbatim and applies broad variables first', () => {
    const { overrides, problems } = readConfigOverrides({
      GATEWAY_CFG__AUDIT__BATCH_SIZE: '500',
      GATEWAY_CFG__AUDIT: '{batchSize: 5, sendEventId: false}',
      GATEWAY_CFG__LOGGING__LOG_PAYLOADS: 'true',
      GATEWAY_CFG__SOURCES__PD__MAPPING__SIGNAL_NAME: "$exists(a) ? a : 'x'",
      GATEWAY_CFG__SERVER__TRUSTED_PROXIES: '[10.0.0.0/8, 192.168.0.0/16]',
      OTHER: '1',
    });
    expect(problems).toEqual([]);
    expect(overrides.map((o) => [o.path.join('.'), o.value])).toEqual([
      ['audit', { batchSize: 5, sendEventId: false }],
      ['audit.batchSize', 500],
      ['logging.logPayloads', true],
      ['server.trustedProxies', ['10.0.0.0/8', '192.168.0.0/16']],
      ['sources.pd.mapping.signalName', "$exists(a) ? a : 'x'"],
    ]);
  });

  it('reports an unbalanced flow collection at its path', () => {
    const { problems } = readConfigOverrides({ GATEWAY_CFG__SERVER__TRUSTED_PROXIES: '[10.0.0.0/8' });
    expect(problems.map((p) => [p.path, p.value, p.suggestion])).toEqual([
      ['server.trustedProxies', '[10.0.0.0/8', 'quote strings and balance brackets, e.g. [a, b]'],
    ]);
    expect(problems[0]?.rule).toMatch(
      /^GATEWAY_CFG__SERVER__TRUSTED_PROXIES must be a YAML scalar or flow collection \(/,
    );
  });
});
