import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfig } from '@gateway/config';
import { loadConfig } from '@gateway/config';
import { builtinSources, defineSource, SourcePluginError } from '@gateway/sources';
import { describe, expect, it } from 'vitest';
import { tokenDigest } from '../auth/token-digest.js';
import { IngressSettingsError } from './ingress-settings-error.js';
import type { SourceDefinitions } from './ingress-settings-from-config.js';
import { ingressSettingsFromConfig } from './ingress-settings-from-config.js';

const HASH = '0123456789ab';
const SECRET = 'inline-secret-token-0123456789abcdef';
const FILE_SECRET = 'file-secret-token-0123456789abcdef0';
const ENV_SECRET = 'env-secret-token-0123456789abcdef012';
const files: Record<string, string> = {
  '/etc/gateway/config.yaml': '',
  '/run/secrets/ops-token': `${FILE_SECRET}\n`,
  '/run/secrets/short': 'short-token\n',
};

function readFile(path: string): string {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return text;
}

function load(yaml: string, env: Record<string, string> = {}) {
  files['/etc/gateway/config.yaml'] = yaml;
  const loaded = loadConfig({ env: { GATEWAY_CONFIG: '/etc/gateway/config.yaml', ...env }, readFile });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded;
}

function fromConfig(config: GatewayConfig, definitions: SourceDefinitions = builtinSources) {
  return ingressSettingsFromConfig(config, [], HASH, { definitions, readFile, now: () => new Date() });
}

describe('ingress-settings-from-config', () => {
  it('applies the documented defaults to the built-in sources and the global limits', () => {
    const { settings } = fromConfig(load('{}').config);
    expect(settings.server).toMatchObject({
      bodyLimitBytes: 262_144,
      maxInFlightRequests: 512,
      maxEventLoopDelayMs: 100,
      requestTimeoutMs: 10_000,
    });
    expect(settings.queue).toEqual({ highWaterMark: 50_000, lowWaterMark: 40_000, retryAfterSeconds: 5 });
    expect(settings.rateLimits).toEqual({
      enabled: true,
      perToken: { ratePerSecond: 2000, burst: 5000 },
      perSource: { ratePerSecond: 5000, burst: 10_000 },
    });
    expect(settings.audit).toEqual({ maxBacklog: 2_000_000, maxBacklogBytes: 1024 ** 3 });
    expect(settings.multiCluster).toEqual({ enabled: false, clusterLabel: 'cluster', defaultClusterId: '' });
    expect(settings.configHash).toBe(HASH);
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
    expect(settings.sources.find((source) => source.name === 'kubernetes-event')?.rateLimitStatus).toBe(429);
  });

  it('leaves out disabled sources whose type has no adapter in this build', () => {
    const definitions = {
      alertmanager: builtinSources.alertmanager,
      'kubernetes-event': builtinSources['kubernetes-event'],
    };
    const { settings } = fromConfig(load('{}').config, definitions);
    expect(settings.sources.map((source) => source.name).sort()).toEqual(['kubernetes-event', 'prometheus']);
  });

  it('refuses to start with an enabled source that has no adapter, naming the source', () => {
    const config = load('sources: {acme: {type: plugin, plugin: acme-alerts, enabled: true}}').config;
    expect(() => fromConfig(config)).toThrow(IngressSettingsError);
    expect(() => fromConfig(config)).toThrow(/^sources\.acme\.plugin: names no adapter .*sources\.acme is enabled/);
  });

  it('passes each source its own settings and type-specific options', () => {
    const config = load(
      [
        'sources:',
        '  kubernetes-event:',
        '    maxEventsPerRequest: 7',
        '    overloadStatus: 503',
        '    rateLimit: {ratePerSecond: 3, burst: 9}',
        '    severityMap: {Warning: high}',
        '    defaultSeverity: low',
        '    unresolvedTarget: reject',
        '    deliveryDedup: false',
        '    requireTimestamp: true',
        '    route: /api/v1/signals/k8s',
        '  prometheus: {enabled: false}',
      ].join('\n'),
    ).config;
    const { settings } = fromConfig(config);
    const kube = settings.sources.find((source) => source.name === 'kubernetes-event');
    expect(kube).toMatchObject({
      route: '/api/v1/signals/k8s',
      requireTimestamp: true,
      rateLimitStatus: 503,
      rateLimit: { ratePerSecond: 3, burst: 9 },
      deliveryDedup: false,
      settings: { severityMap: { Warning: 'high' }, defaultSeverity: 'low', unresolvedTarget: 'reject' },
      options: { maxEventsPerRequest: 7 },
    });
    expect(settings.sources.find((source) => source.name === 'prometheus')?.enabled).toBe(false);
  });

  it('finds plugin adapters by the type they declare and gives them their options block', () => {
    const plugin = defineSource({
      apiVersion: 1,
      type: 'acme-alerts',
      signalSource: 'acme',
      parse: async () => ({ signals: [], ignored: [], rejected: [] }),
    });
    const config = load(
      'sources: {acme: {type: plugin, plugin: acme-alerts, enabled: true, options: {region: eu}}}',
    ).config;
    const { settings } = fromConfig(config, { ...builtinSources, 'acme-alerts': plugin });
    expect(settings.sources.find((source) => source.name === 'acme')).toMatchObject({
      sourceType: 'plugin',
      rateLimitStatus: 429,
      options: { region: 'eu' },
    });
  });

  it('keeps only digests of env, inline, sha256 and file tokens, with their bindings', () => {
    const digest = tokenDigest('precomputed-token-0123456789abcdef').toString('hex');
    const loaded = load(
      [
        'auth:',
        '  tokens:',
        `    - {id: inline, token: ${SECRET}, scopes: [signals, admin], clusterId: prod-east}`,
        `    - {id: hashed, tokenSha256: ${digest}, sources: [prometheus], allowClusterHeader: true}`,
        '    - {id: filed, tokenFile: /run/secrets/ops-token, rateLimit: {ratePerSecond: 1, burst: 2}}',
      ].join('\n'),
      { GATEWAY_AUTH_TOKENS: ` ,${ENV_SECRET}` },
    );
    const { settings } = ingressSettingsFromConfig(loaded.config, loaded.envTokens, HASH, {
      definitions: builtinSources,
      readFile,
      now: () => new Date(),
    });
    expect(settings.auth.tokens).toEqual([
      {
        id: 'env-1',
        digest: tokenDigest(ENV_SECRET),
        scopes: ['signals'],
        sources: '*',
        allowClusterHeader: false,
      },
      {
        id: 'inline',
        digest: tokenDigest(SECRET),
        scopes: ['signals', 'admin'],
        sources: '*',
        clusterId: 'prod-east',
        allowClusterHeader: false,
      },
      {
        id: 'hashed',
        digest: Buffer.from(digest, 'hex'),
        scopes: ['signals'],
        sources: ['prometheus'],
        allowClusterHeader: true,
      },
      {
        id: 'filed',
        digest: tokenDigest(FILE_SECRET),
        scopes: ['signals'],
        sources: '*',
        allowClusterHeader: false,
        rateLimit: { ratePerSecond: 1, burst: 2 },
      },
    ]);
    const serialized = JSON.stringify(settings);
    for (const secret of [SECRET, FILE_SECRET, ENV_SECRET]) expect(serialized).not.toContain(secret);
  });

  it('refuses unreadable and too short token files without printing their content', () => {
    const missing = load('auth: {tokens: [{id: gone, tokenFile: /run/secrets/missing}]}').config;
    expect(() => fromConfig(missing)).toThrow(/^auth\.tokens\[0\]\.tokenFile: cannot be read \(ENOENT\)$/);
    const short = load('auth: {tokens: [{id: tiny, tokenFile: /run/secrets/short}]}').config;
    expect(() => fromConfig(short)).toThrow(IngressSettingsError);
    expect(() => fromConfig(short)).not.toThrow(/short-token/);
  });

  it('refuses a file token that takes the id of a GATEWAY_AUTH_TOKENS token', () => {
    const loaded = load(`auth: {tokens: [{id: env-1, token: ${SECRET}}]}`, { GATEWAY_AUTH_TOKENS: ENV_SECRET });
    let refused: unknown;
    try {
      ingressSettingsFromConfig(loaded.config, loaded.envTokens, HASH, {
        definitions: builtinSources,
        readFile,
        now: () => new Date(),
      });
    } catch (error) {
      refused = error;
    }
    expect((refused as IngressSettingsError).problems).toEqual([
      expect.objectContaining({
        path: 'auth.tokens[0].id',
        value: 'env-1',
        rule: 'is the id of a GATEWAY_AUTH_TOKENS token',
      }),
    ]);
  });

  it('keeps the effective configuration for /admin/config with every secret redacted', () => {
    const { settings } = fromConfig(load(`auth: {tokens: [{id: inline, token: ${SECRET}, scopes: [admin]}]}`).config);
    expect(settings.redactedConfig.auth.tokens[0]).toMatchObject({ id: 'inline', token: '<redacted>' });
    expect(JSON.stringify(settings.redactedConfig)).not.toContain(SECRET);
  });

  describe('source adapters', () => {
    const ARN = 'arn:aws:sns:eu-west-1:123456789012:alarms';

    it('gives Grafana its options with the HMAC secret read from secretFile, without the file path', () => {
      files['/run/secrets/grafana-hmac'] = 'grafana-hmac-key\n';
      const config = load(
        [
          'sources:',
          '  grafana:',
          '    enabled: true',
          '    ignoreTestNotifications: false',
          '    hmac: {secretFile: /run/secrets/grafana-hmac, timestampHeader: X-Grafana-Alerting-Timestamp}',
        ].join('\n'),
      ).config;
      const grafana = fromConfig(config).settings.sources.find((source) => source.name === 'grafana');
      expect(grafana?.options).toMatchObject({
        ignoreTestNotifications: false,
        hmac: {
          secret: 'grafana-hmac-key',
          header: 'X-Grafana-Alerting-Signature',
          algorithm: 'sha256',
          timestampHeader: 'X-Grafana-Alerting-Timestamp',
        },
      });
      expect(JSON.stringify(grafana?.options)).not.toContain('/run/secrets');
      const missing = load('sources: {grafana: {hmac: {secretFile: /run/secrets/none}}}').config;
      expect(() => fromConfig(missing)).toThrow(/^sources\.grafana\.hmac\.secretFile: cannot be read \(ENOENT\)$/);
    });

    it('passes Datadog and Azure their defaults: noData ignore, query tokens allowed on Azure only', () => {
      const config = load('sources: {datadog: {enabled: true, noData: firing}, azure-monitor: {enabled: true}}').config;
      const { sources } = fromConfig(config).settings;
      expect(sources.find((source) => source.name === 'datadog')).toMatchObject({
        allowQueryToken: false,
        options: { noData: 'firing' },
        rateLimitStatus: 503,
      });
      expect(sources.find((source) => source.name === 'azure-monitor')).toMatchObject({
        allowQueryToken: true,
        rateLimitStatus: 429,
      });
    });

    it('builds the SNS fetch capabilities for enabled CloudWatch instances and refuses an unreadable caFile', () => {
      const dir = mkdtempSync(join(tmpdir(), 'ingress-ca-'));
      try {
        const caFile = join(dir, 'ca.pem');
        writeFileSync(caFile, 'not parsed until a certificate is fetched');
        const config = load(
          `sources: {cloudwatch: {enabled: true, topicArns: [${ARN}], caFile: ${caFile}, maxMessageAge: 5m}}`,
        ).config;
        const cloudwatch = fromConfig(config).settings.sources.find((source) => source.name === 'cloudwatch');
        expect(cloudwatch).toMatchObject({
          authMode: 'signature',
          contentTypes: ['application/json', 'text/plain'],
          options: { topicArns: [ARN], maxMessageAge: 300_000, autoConfirmSubscriptions: true, caFile },
        });
        expect(cloudwatch?.capabilities.httpsGet).toBeTypeOf('function');
        expect(cloudwatch?.capabilities.fetchCertificate).toBeTypeOf('function');
        const missing = load(
          `sources: {cloudwatch: {enabled: true, topicArns: [${ARN}], caFile: ${join(dir, 'gone.pem')}}}`,
        ).config;
        expect(() => fromConfig(missing)).toThrow(/^sources\.cloudwatch\.caFile: cannot be read \(ENOENT\)$/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const disabled = fromConfig(load('{}').config).settings.sources.find((source) => source.name === 'cloudwatch');
      expect(disabled?.capabilities).toEqual({});
    });

    it('compiles custom sources with their signalSource, contentTypes and overloadStatus', () => {
      const config = load(
        [
          'sources:',
          '  pagerduty:',
          '    type: custom',
          '    enabled: true',
          '    signalSource: pagerduty-events',
          '    contentTypes: [application/vnd.pagerduty+json, text/plain]',
          '    overloadStatus: 503',
          '    mapping: {signalName: "payload.summary"}',
        ].join('\n'),
      ).config;
      const pagerduty = fromConfig(config).settings.sources.find((source) => source.name === 'pagerduty');
      expect(pagerduty).toMatchObject({
        sourceType: 'custom',
        signalSource: 'pagerduty-events',
        contentTypes: ['application/vnd.pagerduty+json', 'text/plain'],
        rateLimitStatus: 503,
        route: '/api/v1/signals/pagerduty',
      });
    });

    it('refuses a custom mapping that does not compile with one problem per key', () => {
      const config = load(
        [
          'sources:',
          '  broken:',
          '    type: custom',
          '    enabled: true',
          '    signalSource: broken',
          '    mapping: {signalName: "payload.(", severity: "$$$eval(x)"}',
        ].join('\n'),
      ).config;
      let refused: unknown;
      try {
        fromConfig(config);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(IngressSettingsError);
      const problems = (refused as IngressSettingsError).problems;
      expect(problems.map((problem) => problem.path)).toContain('sources.broken.mapping.signalName');
      expect(problems).toContainEqual(
        expect.objectContaining({ path: 'sources.broken.mapping.signalName', value: 'payload.(' }),
      );
      for (const problem of problems) {
        expect(problem.message).toBe(`${problem.path}: ${problem.rule}`);
        expect(problem.suggestion).not.toBe('');
      }
    });

    it('guards plugin parses with the hooks of the instance, under its configured signalSource', async () => {
      const plugin = defineSource({
        apiVersion: 1,
        type: 'acme-alerts',
        signalSource: 'acme',
        parse: async () => {
          throw new Error('plugin bug');
        },
      });
      const seen: string[] = [];
      const config = load(
        'sources: {acme: {type: plugin, plugin: acme-alerts, enabled: true, signalSource: acme-eu}}',
      ).config;
      const { settings } = ingressSettingsFromConfig(config, [], HASH, {
        definitions: { ...builtinSources, 'acme-alerts': plugin },
        readFile,
        now: () => new Date(),
        pluginHooks: ({ name, signalSource }) => ({
          onSlow: () => undefined,
          onError: () => seen.push(`${name}/${signalSource}`),
        }),
      });
      const acme = settings.sources.find((source) => source.name === 'acme');
      expect(acme).toMatchObject({ sourceType: 'plugin', signalSource: 'acme-eu' });
      await expect(acme?.definition.parse({} as never, {} as never)).rejects.toBeInstanceOf(SourcePluginError);
      expect(seen).toEqual(['acme/acme-eu']);
    });
  });
});
