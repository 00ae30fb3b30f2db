import { describe, expect, it } from 'vitest';
import { changedSections } from './changed-sections.js';
import { loadConfig } from './load-config.js';
import { redactConfig } from './redact-config.js';
import { createRestartRequiredProbe, RESTART_REQUIRED_MIN_INTERVAL_MS } from './restart-required.js';

function configFrom(env: Record<string, string>) {
  const result = loadConfig({ env });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

describe('createRestartRequiredProbe', () => {
  it('names the sections the file changed, re-reading it at most once per interval', () => {
    const running = configFrom({});
    let file = 'queue: {highWaterMark: 60000}\nlogging: {level: debug}\n';
    let nowMs = 0;
    const probe = createRestartRequiredProbe({
      running,
      load: () => loadConfig({ env: { GATEWAY_CONFIG: '/etc/gateway/config.yaml' }, readFile: () => file }),
      nowMs: () => nowMs,
    });
    expect(probe.report()).toEqual({ restartRequired: ['queue', 'logging'], problems: [] });

    file = '';
    nowMs = RESTART_REQUIRED_MIN_INTERVAL_MS - 1;
    expect(probe.report().restartRequired).toEqual(['queue', 'logging']);
    nowMs = RESTART_REQUIRED_MIN_INTERVAL_MS;
    expect(probe.report()).toEqual({ restartRequired: [], problems: [] });
  });

  it('reports the problems of an on-disk configuration that would not load', () => {
    const probe = createRestartRequiredProbe({
      running: configFrom({}),
      load: () => loadConfig({ env: { GATEWAY_CONFIG: '/c.yaml' }, readFile: () => 'reload: {watch: false}\n' }),
      nowMs: () => 0,
    });
    const report = probe.report();
    expect(report.restartRequired).toEqual([]);
    expect(report.problems.map((problem) => problem.path)).toEqual(['reload.watch']);
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
