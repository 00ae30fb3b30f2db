import { describe, expect, it } from 'vitest';
import { type LoadConfigResult, loadConfig } from './load-config.js';
import { formatProblems } from './problems.js';

const CONFIG_PATH = '/etc/gateway/config.yaml';

function withFile(yaml: string, env: Record<string, string> = {}): LoadConfigResult {
  return loadConfig({
    env: { GATEWAY_CONFIG: CONFIG_PATH, ...env },
    readFile: (path) => {
      if (path !== CONFIG_PATH) throw new Error(`unexpected read of ${path}`);
      return yaml;
    },
  });
}

function accepted(result: LoadConfigResult) {
  if (!result.ok) throw new Error(formatProblems(result.problems, CONFIG_PATH));
  return result;
}

function rejected(result: LoadConfigResult) {
  if (result.ok) throw new Error('expected the configuration to be rejected');
  return result.problems;
}

describe('loadConfig', () => {
  it('returns the documented defaults when nothing is configured', () => {
    const { config, warnings, envTokens } = accepted(loadConfig({ env: {} }));
    expect(config.server).toEqual({
      port: 8080,
      bodyLimitBytes: 262_144,
      maxInFlightRequests: 512,
      maxEventLoopDelay: 100,
      requestTimeout: 10_000,
      headersTimeout: 5000,
      keepAliveTimeout: 65_000,
      trustedProxies: [],
    });
    expect(config.worker).toEqual({ port: 9091, concurrency: 50, lockDuration: 30_000 });
    expect(config.redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'gateway',
    });
    expect(config.queue).toEqual({
      highWaterMark: 50_000,
      lowWaterMark: 40_000,
      retryAfterSeconds: 5,
      jobRetry: { initialDelay: 1000, maxDelay: 60_000 },
      failedRetention: 7 * 86_400_000,
    });
    expect(config.auth.mode).toBe('token');
    expect(config.rateLimits.perToken).toEqual({ ratePerSecond: 2000, burst: 5000 });
    expect(config.kubernetes.remediationNamespace).toBe('kubernaut-system');
    expect(config.fingerprint).toMatchObject({
      strategy: 'default',
      rules: [],
      owner: {
        maxDepth: 5,
        lookupTimeout: 2000,
        cacheSize: 50_000,
        cacheTtl: 300_000,
        negativeCacheTtl: 30_000,
        followGroups: ['', 'apps', 'batch'],
        heuristics: true,
      },
      signalClasses: { defaults: true, classes: [] },
      targetRules: { defaults: true, rules: [] },
    });
    expect([config.telemetry, config.auth.tokenReview]).toEqual([{}, undefined]);
    expect(config.reload).toEqual({
      watch: true,
      pollInterval: 30_000,
      debounce: 250,
      autoRollback: { enabled: false, window: 300_000, minRequests: 50, minErrors: 10, factor: 2, minIncrease: 0.05 },
    });
    expect(config.audit.dataStorageUrl).toBeUndefined();
    expect(config.audit.maxBacklogBytes).toBe(1_073_741_824);
    expect(config.logging).toEqual({ level: 'info', format: 'json', logPayloads: false });
    expect(config.shutdown).toEqual({ drainDelay: 5000, timeout: 25_000 });
    expect(warnings).toEqual([]);
    expect(envTokens).toEqual([]);
  });

  it('creates the six built-in sources with their per-type defaults when none are configured', () => {
    const { sources } = accepted(loadConfig({ env: {} })).config;
    const summary = Object.fromEntries(
      Object.entries(sources).map(([name, s]) => [
        name,
        [s.type, s.enabled, s.route, s.auth.mode, s.allowQueryToken, s.overloadStatus, s.defaultSeverity],
      ]),
    );
    expect(summary).toEqual({
      prometheus: ['alertmanager', true, '/api/v1/signals/prometheus', 'token', false, 503, 'unknown'],
      'kubernetes-event': [
        'kubernetes-event',
        true,
        '/api/v1/signals/kubernetes-event',
        'token',
        false,
        429,
        'unknown',
      ],
      cloudwatch: ['cloudwatch', false, '/api/v1/signals/cloudwatch', 'signature', false, 503, 'warning'],
      'azure-monitor': ['azure-monitor', false, '/api/v1/signals/azure-monitor', 'token', true, 429, 'unknown'],
      datadog: ['datadog', false, '/api/v1/signals/datadog', 'token', false, 503, 'unknown'],
      grafana: ['grafana', false, '/api/v1/signals/grafana', 'token', false, 503, 'unknown'],
    });
    const prometheus = sources.prometheus;
    expect(prometheus?.type === 'alertmanager' && prometheus.resourceLabels[5]).toEqual({
      label: 'job_name',
      kind: 'Job',
    });
    const cloudwatch = sources.cloudwatch;
    expect(cloudwatch?.type === 'cloudwatch' && [cloudwatch.maxMessageAge, cloudwatch.certHostPattern]).toEqual([
      3_600_000,
      '^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$',
    ]);
  });

  it('keeps custom sources beside the built-ins, disabled unless enabled', () => {
    const { sources } = accepted(
      withFile(`
sources:
  pagerduty:
    type: custom
    signalSource: pagerduty-events
    mapping: {signalName: "payload.summary"}
`),
    ).config;
    expect(sources.pagerduty).toMatchObject({
      type: 'custom',
      enabled: false,
      route: '/api/v1/signals/pagerduty',
      overloadStatus: 429,
      contentTypes: ['application/json'],
      mapping: { signalName: 'payload.summary' },
    });
    expect(Object.keys(sources)).toHaveLength(7);
  });

  it('applies file < GATEWAY_CFG__ < named variables', () => {
    const yaml = 'server:\n  port: 7000\naudit:\n  batchSize: 10\nredis:\n  prefix: fromfile\n';
    const fileOnly = accepted(withFile(yaml)).config;
    expect([fileOnly.server.port, fileOnly.audit.batchSize, fileOnly.redis.prefix]).toEqual([7000, 10, 'fromfile']);

    const overridden = accepted(
      withFile(yaml, {
        GATEWAY_CFG__SERVER__PORT: '7100',
        GATEWAY_CFG__AUDIT__BATCH_SIZE: '500',
        GATEWAY_CFG__REDIS__PREFIX: 'fromcfg',
      }),
    ).config;
    expect([overridden.server.port, overridden.audit.batchSize, overridden.redis.prefix]).toEqual([
      7100,
      500,
      'fromcfg',
    ]);

    const named = accepted(
      withFile(yaml, {
        GATEWAY_CFG__SERVER__PORT: '7100',
        PORT: '7200',
        QUEUE_PREFIX: 'fromenv',
        GATEWAY_CFG__REDIS__PREFIX: 'fromcfg',
      }),
    ).config;
    expect([named.server.port, named.redis.prefix]).toEqual([7200, 'fromenv']);
  });

  it('maps every named variable to its key', () => {
    const { config } = accepted(
      loadConfig({
        env: {
          REDIS_URL: 'redis://redis:6380',
          QUEUE_PREFIX: 'q1',
          LOG_LEVEL: 'debug',
          PORT: '8443',
          GATEWAY_AUTH: 'none',
          WORKER_PORT: '9999',
          REMEDIATION_NAMESPACE: 'remediation',
          DATA_STORAGE_URL: 'http://data-storage:8080',
          KUBECONFIG: '/tmp/kubeconfig',
        },
      }),
    );
    expect([
      config.redis.url,
      config.redis.prefix,
      config.logging.level,
      config.server.port,
      config.auth.mode,
      config.worker.port,
      config.kubernetes.remediationNamespace,
      config.audit.dataStorageUrl,
    ]).toEqual(['redis://redis:6380', 'q1', 'debug', 8443, 'none', 9999, 'remediation', 'http://data-storage:8080']);
  });

  it('takes the OTLP endpoint from OTEL_EXPORTER_OTLP_ENDPOINT over the file, and refuses one that is not a URL', () => {
    const loaded = accepted(loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' } }));
    expect(loaded.config.telemetry).toEqual({ otlpEndpoint: 'http://otel:4318' });
    expect(loaded.warnings).toEqual([]);
    const refused = loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'otel:4318' } });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? [] : refused.problems.map((p) => p.path)).toEqual(['telemetry.otlpEndpoint']);
  });

  it('routes GATEWAY_CFG__ source keys to lowercase dashed instance names and parses flow collections', () => {
    const { sources } = accepted(
      loadConfig({
        env: {
          GATEWAY_CFG__SOURCES__AZURE_MONITOR__ALLOW_QUERY_TOKEN: 'false',
          GATEWAY_CFG__SOURCES__CLOUDWATCH__ENABLED: 'true',
          GATEWAY_CFG__SOURCES__CLOUDWATCH__TOPIC_ARNS: '[arn:aws:sns:eu-west-1:123456789012:alarms]',
          GATEWAY_CFG__SOURCES__PROMETHEUS__RATE_LIMIT: '{ratePerSecond: 10, burst: 20}',
        },
      }),
    ).config;
    expect(sources['azure-monitor']?.allowQueryToken).toBe(false);
    expect(sources.cloudwatch).toMatchObject({
      enabled: true,
      topicArns: ['arn:aws:sns:eu-west-1:123456789012:alarms'],
    });
    expect(sources.prometheus?.rateLimit).toEqual({ ratePerSecond: 10, burst: 20 });
  });

  it('substitutes ${VAR} and ${VAR:-default} in file values, typing unquoted whole references like literals', () => {
    const { config } = accepted(
      withFile(
        `
server:
  port: \${APP_PORT:-8081}
redis:
  url: "redis://\${REDIS_HOST}:6379"
  prefix: "\${PREFIX:-gw}"
kubernetes:
  remediationNamespace: \${NS:-fallback}
`,
        { REDIS_HOST: 'cache', NS: '' },
      ),
    );
    expect([config.server.port, config.redis.url, config.redis.prefix, config.kubernetes.remediationNamespace]).toEqual(
      [8081, 'redis://cache:6379', 'gw', 'fallback'],
    );
  });

  it('reports an unset ${VAR} without default at its path, once', () => {
    const problems = rejected(withFile('redis:\n  url: "redis://${REDIS_HOST}:6379"\n'));
    expect(problems).toEqual([
      {
        path: 'redis.url',
        value: 'redis://${REDIS_HOST}:6379',
        rule: 'environment variable REDIS_HOST is not set',
        message: 'redis.url: environment variable REDIS_HOST is not set',
        suggestion: 'set REDIS_HOST or write ${REDIS_HOST:-default} at redis.url',
      },
    ]);
  });

  it('reports YAML syntax errors with line and column and validates nothing else', () => {
    const problems = rejected(withFile('server:\n  port: 8080\n  port: 8081\nqueue:\n  lowWaterMark: 90000\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: '', line: 3, column: 3, rule: 'valid YAML (Map keys must be unique)' });
    expect(formatProblems(problems, CONFIG_PATH)).toBe(
      'config rejected (1 problem) in /etc/gateway/config.yaml\n' +
        '  line 3, column 3: rule: valid YAML (Map keys must be unique); suggestion: keep one of the repeated keys',
    );
  });

  it('reports an unreadable GATEWAY_CONFIG file', () => {
    const problems = rejected(
      loadConfig({
        env: { GATEWAY_CONFIG: '/nope.yaml' },
        readFile: () => {
          throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
        },
      }),
    );
    expect(problems.map((p) => [p.path, p.value, p.rule])).toEqual([
      ['GATEWAY_CONFIG', '/nope.yaml', 'must name a readable file (ENOENT)'],
    ]);
  });

  it('reports problems from the file, GATEWAY_CFG__ variables and named variables together', () => {
    const problems = rejected(
      withFile('queue:\n  lowWaterMark: 60000\n', {
        GATEWAY_CFG__WORKER__CONCURRENCY: '0',
        PORT: 'http',
        GATEWAY_CFG__SERVER__TRUSTED_PROXIES: '[10.0.0.0/8',
      }),
    );
    expect(problems.map((p) => p.path)).toEqual([
      'server.trustedProxies',
      'server.port',
      'worker.concurrency',
      'queue.lowWaterMark',
    ]);
    expect(problems[1]).toMatchObject({ value: 'http', rule: 'must be a number' });
    expect(problems[2]).toMatchObject({
      value: 0,
      rule: 'must be an integer between 1 and 1000',
      suggestion: 'use at least 1',
    });
  });
});

describe('loadConfig configHash', () => {
  it('is stable under key order and formatting', () => {
    const a = accepted(withFile('server: {port: 7000, bodyLimitBytes: 4096}\naudit:\n  batchSize: 10\n'));
    const b = accepted(withFile('audit:\n  batchSize: 10\nserver:\n  bodyLimitBytes: 4096\n  port: 7000\n'));
    expect(a.configHash).toMatch(/^[0-9a-f]{12}$/);
    expect(b.configHash).toBe(a.configHash);
  });

  it('treats equal durations written differently as the same configuration', () => {
    const a = accepted(withFile('server:\n  requestTimeout: 10s\n'));
    const b = accepted(withFile('server:\n  requestTimeout: 10000\n'));
    const defaults = accepted(loadConfig({ env: {} }));
    expect(b.configHash).toBe(a.configHash);
    expect(defaults.configHash).toBe(a.configHash);
  });

  it('ignores named variables and GATEWAY_AUTH_TOKENS but not GATEWAY_CFG__ variables', () => {
    const base = accepted(withFile('audit:\n  batchSize: 10\n'));
    const named = accepted(
      withFile('audit:\n  batchSize: 10\n', {
        PORT: '9000',
        REDIS_URL: 'redis://other:6379',
        GATEWAY_AUTH_TOKENS: '0123456789abcdef0123456789abcdef',
      }),
    );
    const cfg = accepted(withFile('audit:\n  batchSize: 10\n', { GATEWAY_CFG__AUDIT__BATCH_SIZE: '11' }));
    expect(named.config.server.port).toBe(9000);
    expect(named.configHash).toBe(base.configHash);
    expect(cfg.configHash).not.toBe(base.configHash);
  });

  it('still agrees across replicas when a named variable repairs an invalid file value', () => {
    const a = accepted(withFile('server:\n  port: 0\n', { PORT: '8080' }));
    const b = accepted(withFile('server:\n  port: 0\n', { PORT: '8181' }));
    expect(a.config.server.port).toBe(8080);
    expect(b.configHash).toBe(a.configHash);
  });
});

describe('loadConfig GATEWAY_AUTH_TOKENS', () => {
  it('splits on commas, trims, skips empty items and numbers the ids', () => {
    const long1 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const long2 = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    const { envTokens, config } = accepted(loadConfig({ env: { GATEWAY_AUTH_TOKENS: ` ${long1} ,, ,${long2},` } }));
    expect(envTokens).toEqual([
      { id: 'env-1', token: long1, scopes: ['signals'], sources: '*', allowClusterHeader: false },
      { id: 'env-2', token: long2, scopes: ['signals'], sources: '*', allowClusterHeader: false },
    ]);
    expect(config.auth.tokens).toEqual([]);
  });

  it('rejects env tokens under 16 characters and warns under 32, never showing them', () => {
    const problems = rejected(loadConfig({ env: { GATEWAY_AUTH_TOKENS: 'short-secret-1' } }));
    expect(problems).toEqual([
      {
        path: 'GATEWAY_AUTH_TOKENS[0]',
        value: '<redacted>',
        rule: 'must be at least 16 characters',
        message: 'GATEWAY_AUTH_TOKENS[0]: must be at least 16 characters',
        suggestion: 'generate one with: openssl rand -hex 32',
      },
    ]);
    const { warnings } = accepted(loadConfig({ env: { GATEWAY_AUTH_TOKENS: 'sixteen-chars-ok' } }));
    expect(warnings).toEqual([
      {
        path: 'GATEWAY_AUTH_TOKENS[0]',
        message: 'token is shorter than 32 characters; use at least 32 random characters',
      },
    ]);
  });
});
