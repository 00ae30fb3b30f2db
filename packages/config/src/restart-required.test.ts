import { describe, expect, it } from 'vitest';
import { changedSections } from './changed-sections.js';
import { loadConfig } from './load-config.js';
import { redactConfig } from './redact-config.js';
import { restartRequiredChanges } from './restart-required.js';

function configFrom(env: Record<string, string>) {
  const result = loadConfig({ env });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

describe('restartRequiredChanges', () => {
  it('lists changed restart-only keys and ignores hot ones', () => {
    const before = configFrom({});
    const after = configFrom({
      PORT: '9000',
      REDIS_URL: 'redis://other:6379',
      GATEWAY_CFG__AUDIT__FILE__MAX_FILES: '9',
      GATEWAY_CFG__QUEUE__HIGH_WATER_MARK: '60000',
      LOG_LEVEL: 'debug',
      GATEWAY_CFG__PLUGINS: '[{module: "@acme/source"}]',
    });
    expect(restartRequiredChanges(before, after)).toEqual(['server.port', 'redis.url', 'plugins', 'audit.file']);
    expect(restartRequiredChanges(before, configFrom({}))).toEqual([]);
  });
});

describe('changedSections', () => {
  it('names each top-level section that differs', () => {
    const before = configFrom({});
    const after = configFrom({ LOG_LEVEL: 'WARN', GATEWAY_CFG__SOURCES__DATADOG__ENABLED: 'true' });
    expect(after.logging.level).toBe('warn');
    expect(changedSections(before, after)).toEqual(['sources', 'logging']);
    expect(changedSections(before, configFrom({}))).toEqual([]);
  });
});

describe('redactConfig', () => {
  it('replaces tokens, digests, HMAC secrets and URL passwords, keeping everything else', () => {
    const config = configFrom({
      REDIS_URL: 'rediss://default:hunter2@redis:6380/0',
      GATEWAY_CFG__AUTH__TOKENS: `[{id: ops, token: hunter2-hunter2-hunter2-hunter2}, {id: ci, tokenSha256: "${'a'.repeat(64)}"}]`,
      GATEWAY_CFG__SOURCES__GRAFANA__HMAC: '{secret: hunter2-hmac}',
    });
    const redacted = redactConfig(config);
    expect(JSON.stringify(redacted)).not.toContain('hunter2');
    expect(JSON.stringify(redacted)).not.toContain('a'.repeat(64));
    expect(redacted.redis.url).toBe('rediss://default:<redacted>@redis:6380/0');
    expect(redacted.auth.tokens.map((t) => [t.id, t.token, t.tokenSha256])).toEqual([
      ['ops', '<redacted>', undefined],
      ['ci', undefined, '<redacted>'],
    ]);
    const grafana = redacted.sources.grafana;
    expect(grafana?.type === 'grafana' && grafana.hmac).toEqual({
      secret: '<redacted>',
      header: 'X-Grafana-Alerting-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: '',
    });
    expect(config.redis.url).toBe('rediss://default:hunter2@redis:6380/0');
  });
});
