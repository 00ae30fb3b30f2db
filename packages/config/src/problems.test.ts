import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { NOT_SUPPORTED_RULE, UPCOMING_WORK } from './not-supported.js';
import { type ConfigProblem, formatProblems } from './problems.js';

function problemsOf(yaml: string, env: Record<string, string> = {}): ConfigProblem[] {
  const result = loadConfig({ env: { GATEWAY_CONFIG: '/etc/gateway/config.yaml', ...env }, readFile: () => yaml });
  if (result.ok) throw new Error('expected the configuration to be rejected');
  return result.problems;
}

describe('problems', () => {
  it('renders a header line and one indented line per problem', () => {
    const problems = problemsOf('queue:\n  lowWaterMark: 60000\nsources:\n  cloudwatch:\n    enabled: true\n');
    expect(formatProblems(problems, '/etc/gateway/config.yaml')).toBe(
      [
        'config rejected (2 problems) in /etc/gateway/config.yaml',
        '  queue.lowWaterMark: got 60000; rule: must be below queue.highWaterMark (50000); suggestion: use about 80% of highWaterMark, e.g. 40000',
        '  sources.cloudwatch.topicArns: got []; rule: at least one ARN when the source is enabled; suggestion: add the topic ARN, e.g. arn:aws:sns:eu-west-1:123456789012:alarms',
      ].join('\n'),
    );
  });

  it('gives each problem path, value, rule, message and suggestion', () => {
    expect(problemsOf('queue:\n  lowWaterMark: 60000\n')).toEqual([
      {
        path: 'queue.lowWaterMark',
        value: 60000,
        rule: 'must be below queue.highWaterMark (50000)',
        message: 'queue.lowWaterMark: must be below queue.highWaterMark (50000)',
        suggestion: 'use about 80% of highWaterMark, e.g. 40000',
      },
    ]);
  });

  it('suggests the closest known key for an unknown key within two edits', () => {
    const problems = problemsOf(
      'server:\n  prot: 8080\nsources:\n  prometheus:\n    rout: /api/v1/signals/am\nzzzzzz: 1\n',
    );
    expect(problems.map((p) => [p.path, p.rule, p.suggestion])).toEqual([
      ['server.prot', 'unknown key', 'did you mean "port"?'],
      ['sources.prometheus.rout', 'unknown key', 'did you mean "route"?'],
      [
        'zzzzzz',
        'unknown key',
        'remove it; known keys: server, worker, redis, queue, auth, rateLimits, sources, plugins, fingerprint, dedup, kubernetes, retry, circuitBreaker, multiCluster, audit, logging, telemetry, reload, shutdown',
      ],
    ]);
  });

  it('suggests the closest allowed value for a misspelt enum', () => {
    const [problem] = problemsOf('logging:\n  level: warnn\n');
    expect(problem).toMatchObject({
      path: 'logging.level',
      value: 'warnn',
      rule: 'must be one of trace | debug | info | warn | error | fatal',
      suggestion: 'did you mean "warn"?',
    });
  });

  it('requires a type for sources other than the built-ins', () => {
    const [problem] = problemsOf('sources:\n  pagerduty:\n    enabled: true\n');
    expect(problem).toMatchObject({
      path: 'sources.pagerduty.type',
      value: undefined,
      rule: 'is required: one of alertmanager | kubernetes-event | cloudwatch | azure-monitor | datadog | grafana | custom | plugin',
    });
  });

  it('never prints token values, HMAC secrets, misspelt secret keys or URL passwords', () => {
    const yaml = `
redis:
  url: "redis://:hunter2-password@redis:6379"
  prefix: "bad prefix"
auth:
  tokens:
    - id: short
      token: hunter2-token
    - id: both
      token: hunter2-token-long-enough-0000
      tokenFile: /var/run/token
      secrte: hunter2-typo
sources:
  grafana:
    enabled: true
    hmac: {secret: hunter2-hmac, secretFile: /x}
`;
    const problems = problemsOf(yaml, { GATEWAY_CFG__QUEUE__RETRY_AFTER_SECONDS: '900' });
    const text = formatProblems(problems, '/etc/gateway/config.yaml');
    expect(text).not.toContain('hunter2');
    expect(problems.map((p) => [p.path, p.value])).toEqual([
      ['redis.prefix', 'bad prefix'],
      ['queue.retryAfterSeconds', 900],
      ['auth.tokens[0].token', '<redacted>'],
      ['auth.tokens[1].secrte', '<redacted>'],
      ['auth.tokens[1]', ['token', 'tokenFile']],
      ['sources.grafana.hmac', ['secret', 'secretFile']],
    ]);
  });

  it('redacts a password embedded in a URL but keeps the rest visible', () => {
    const [problem] = problemsOf('redis:\n  url: "http://user:hunter2@redis:6379"\n');
    expect(problem).toMatchObject({
      path: 'redis.url',
      value: 'http://user:<redacted>@redis:6379',
      rule: 'must be a redis or rediss URL',
    });
  });

  it('reports cross-field rules of tokens', () => {
    const problems = problemsOf(`
auth:
  tokens:
    - {id: a, tokenFile: /t/a}
    - {id: a, tokenSha256: "${'0'.repeat(64)}"}
    - {id: c}
`);
    expect(problems.map((p) => [p.path, p.rule])).toEqual([
      ['auth.tokens[2]', 'exactly one of token, tokenSha256, tokenFile'],
      ['auth.tokens[1].id', 'token ids must be unique'],
    ]);
  });

  it('refuses keys whose feature is not built, naming each key and the work that brings it', () => {
    const problems = problemsOf(`
server: {tls: {certFile: /c, keyFile: /k}}
redis: {waitReplicas: 1}
auth: {tokenReview: {enabled: true}}
plugins: [{module: "@acme/source", options: {a: 1}}]
multiCluster: {enabled: true, routing: per-cluster, clusters: [{id: east, context: c}], unknownCluster: hub}
`);
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['server.tls.certFile', 'server.tls.certFile: is not supported in this version'],
      ['server.tls.keyFile', 'server.tls.keyFile: is not supported in this version'],
      ['redis.waitReplicas', `redis.waitReplicas: ${NOT_SUPPORTED_RULE}; ${UPCOMING_WORK.redisDurability} brings it`],
      [
        'auth.tokenReview.enabled',
        `auth.tokenReview.enabled: ${NOT_SUPPORTED_RULE}; ${UPCOMING_WORK.tokenReview} brings it`,
      ],
      ['plugins[0].options.a', 'plugins[0].options.a: is not supported in this version'],
      ['multiCluster.routing', `multiCluster.routing: ${NOT_SUPPORTED_RULE}; ${UPCOMING_WORK.multiCluster} brings it`],
      [
        'multiCluster.clusters',
        `multiCluster.clusters: ${NOT_SUPPORTED_RULE}; ${UPCOMING_WORK.multiCluster} brings it`,
      ],
      [
        'multiCluster.unknownCluster',
        `multiCluster.unknownCluster: ${NOT_SUPPORTED_RULE}; ${UPCOMING_WORK.multiCluster} brings it`,
      ],
    ]);
    expect(problems[0]?.suggestion).toBe('terminate TLS in front of the ingress and remove server.tls');
  });

  it('checks the owner strategy settings, signal classes and target rules', () => {
    const problems = problemsOf(`
fingerprint:
  strategy: owner
  owner: {maxDepth: 0, lookupTimeout: 50ms, followGroups: [Apps]}
  signalClasses: {classes: [{name: crash, signals: []}]}
  targetRules: {rules: [{name: topic, objectLabels: [], scope: region}]}
`);
    expect(problems.map((p) => [p.path, p.rule])).toEqual([
      ['fingerprint.owner.maxDepth', 'must be an integer between 1 and 10'],
      ['fingerprint.owner.lookupTimeout', 'must be between 100ms and 30s'],
      ['fingerprint.owner.followGroups[0]', 'must be an API group such as apps or ""'],
      ['fingerprint.signalClasses.classes[0].signals', 'at least one signal name glob'],
      ['fingerprint.targetRules.rules[0].objectLabels', 'at least one {label, kind} entry'],
      ['fingerprint.targetRules.rules[0].scope', 'must be one of namespace | cluster'],
    ]);
  });

  it('checks the similarity strategy settings', () => {
    const problems = problemsOf(`
fingerprint:
  strategy: similarity
  similarity: {jaccardThreshold: 0.05, ttl: 10s, mode: strict, adaptive: {distinctRatio: 2}}
`);
    expect(problems.map((p) => [p.path, p.rule])).toEqual([
      ['fingerprint.similarity.mode', 'must be one of enforce | shadow'],
      ['fingerprint.similarity.jaccardThreshold', 'must be a number between 0.1 and 1'],
      ['fingerprint.similarity.ttl', 'must be between 1m and 30d'],
      ['fingerprint.similarity.adaptive.distinctRatio', 'must be a number between 0 and 1'],
    ]);
    const bands = problemsOf('fingerprint: {similarity: {numHashes: 96, bands: 20}}\n');
    expect(bands.map((p) => [p.path, p.rule, p.suggestion])).toEqual([
      ['fingerprint.similarity.bands', 'must divide numHashes (96) evenly', 'use 8 or 16 or 32'],
    ]);
  });

  it('refuses a signature auth mode on Grafana and custom sources without an hmac secret', () => {
    const problems = problemsOf(`
sources:
  grafana: {enabled: true, auth: {mode: signature}}
  hooks:
    type: custom
    signalSource: hooks
    auth: {mode: token-and-signature}
    mapping: {signalName: name}
`);
    expect(problems.map((p) => [p.path, p.rule])).toEqual([
      ['sources.grafana.hmac', 'an hmac block is required when auth.mode is signature'],
      ['sources.hooks.hmac', 'an hmac block is required when auth.mode is token-and-signature'],
    ]);
  });

  it('rejects invalid source names and routes outside /api/v1/signals/', () => {
    const problems = problemsOf('sources:\n  Bad_Name: {type: datadog}\n  prometheus: {route: /hooks/am}\n');
    expect(problems.map((p) => [p.path, p.value, p.rule, p.suggestion])).toEqual([
      [
        'sources.prometheus.route',
        '/hooks/am',
        'must be a path under /api/v1/signals/',
        'write it like /api/v1/signals/my-source',
      ],
      [
        'sources.Bad_Name',
        'Bad_Name',
        'source names must match ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$',
        'rename it, e.g. bad-name',
      ],
    ]);
    const [duplicate] = problemsOf(
      'sources:\n  am2: {type: alertmanager, enabled: true, route: /api/v1/signals/kubernetes-event}\n',
    );
    expect(duplicate).toMatchObject({
      path: 'sources.am2.route',
      rule: 'route already used by sources.kubernetes-event',
    });
  });

  it('checks that token source bindings name configured sources', () => {
    const [problem] = problemsOf(`auth:\n  tokens:\n    - {id: a, tokenFile: /t, sources: [prometheus, datadgo]}\n`);
    expect(problem).toMatchObject({
      path: 'auth.tokens[0].sources[1]',
      value: 'datadgo',
      rule: 'must name a configured source or be "*"',
      suggestion: 'did you mean "datadog"?',
    });
  });
});

describe('formatProblems', () => {
  it('uses the singular for one problem and omits the file when there is none', () => {
    const problem: ConfigProblem = {
      path: 'a.b',
      value: undefined,
      rule: 'is required (a number)',
      message: '',
      suggestion: 'set a.b',
    };
    expect(formatProblems([problem])).toBe(
      'config rejected (1 problem)\n  a.b: got nothing; rule: is required (a number); suggestion: set a.b',
    );
  });
});
