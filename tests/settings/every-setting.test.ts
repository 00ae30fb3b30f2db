import { BlockList } from 'node:net';
import { type GatewayConfig, loadConfig, NOT_SUPPORTED_RULE, SOURCE_TYPE_DEFAULTS } from '@gateway/config';
import type { SourceType } from '@gateway/contracts';
import { builtinSources, type SourceDefinition } from '@gateway/sources';
import { describe, expect, it } from 'vitest';
import { ingressProcessSettingsFromConfig } from '../../apps/ingress/src/settings/ingress-process-settings.js';
import { ingressSettingsFromConfig } from '../../apps/ingress/src/settings/ingress-settings-from-config.js';
import { workerSettingsFromConfig } from '../../apps/worker/src/settings/worker-settings-from-config.js';
import { schemaKeyPatterns } from './schema-keys.js';

type Doc = Record<string, unknown>;
type Path = (string | number)[];
/** A change to the base document: a value at a path (undefined removes the key), or an edit of the document. */
type Sample = [Path, unknown] | ((doc: Doc) => void);

const TOKEN = 'a'.repeat(32);
const ARN = 'arn:aws:sns:eu-west-1:123456789012:alarms';

function plugin(type: string): SourceDefinition<unknown> {
  return { apiVersion: 1, type, signalSource: type, parse: async () => ({ signals: [], ignored: [], rejected: [] }) };
}

/** One instance per source type, so every source key has an instance to change. */
const INSTANCES: Record<string, string> = {
  alertmanager: 'prometheus',
  'kubernetes-event': 'kubernetes-event',
  cloudwatch: 'cloudwatch',
  'azure-monitor': 'azure-monitor',
  datadog: 'datadog',
  grafana: 'grafana',
  custom: 'hooks',
  plugin: 'echo',
};

/** Every array holds one element and every optional block one value, so their keys have something to change. */
function baseDocument(): Doc {
  return {
    auth: { tokens: [{ id: 'ops', token: TOKEN }] },
    plugins: [{ module: './echo-plugin' }],
    fingerprint: {
      rules: [{ match: { source: 'prometheus' } }],
      signalClasses: { classes: [{ name: 'crash', signals: ['KubePod*'] }] },
      targetRules: {
        rules: [
          {
            name: 'queue',
            match: { signalName: 'Queue*', targetKind: 'Unknown', labels: { queue: '*' } },
            objectLabels: [{ label: 'queue', kind: 'Queue' }],
          },
        ],
      },
    },
    sources: {
      cloudwatch: { topicArns: [ARN] },
      grafana: { hmac: { secret: 'grafana-secret' } },
      hooks: {
        type: 'custom',
        signalSource: 'hooks',
        mapping: { signalName: 'name' },
        hmac: { secret: 'hooks-secret', header: 'X-Signature' },
      },
      echo: { type: 'plugin', plugin: 'echo' },
    },
  };
}

function setAt(doc: Doc, path: Path, value: unknown): void {
  let current: Record<string | number, unknown> = doc;
  for (const segment of path.slice(0, -1)) {
    current[segment] ??= typeof segment === 'number' ? [] : {};
    current = current[segment] as Record<string | number, unknown>;
  }
  const last = path.at(-1) as string | number;
  if (value === undefined) delete current[last];
  else current[last] = value;
}

/** Changes to keys every source has; `<name>` is replaced by the instance of the type under test. */
const COMMON_SOURCE_SAMPLES: Record<string, (name: string, type: SourceType) => Sample> = {
  type: (name, type) => (doc) =>
    setAt(doc, ['sources', name], { type: type === 'datadog' ? 'azure-monitor' : 'datadog' }),
  enabled: (name) => (doc) => {
    setAt(doc, ['sources', name, 'enabled'], name === 'prometheus' || name === 'kubernetes-event' ? false : true);
  },
  route: (name) => [['sources', name, 'route'], `/api/v1/signals/${name}/v2`],
  'auth.mode': (name) => [['sources', name, 'auth', 'mode'], 'none'],
  allowQueryToken: (name) => [['sources', name, 'allowQueryToken'], name !== 'azure-monitor'],
  requireTimestamp: (name) => [['sources', name, 'requireTimestamp'], true],
  'rateLimit.ratePerSecond': (name) => [['sources', name, 'rateLimit'], { ratePerSecond: 7, burst: 1 }],
  'rateLimit.burst': (name) => [['sources', name, 'rateLimit'], { ratePerSecond: 1, burst: 7 }],
  overloadStatus: (name, type) => [
    ['sources', name, 'overloadStatus'],
    SOURCE_TYPE_DEFAULTS[type].overloadStatus === 429 ? 503 : 429,
  ],
  severityMap: (name) => [['sources', name, 'severityMap'], { P1: 'critical' }],
  defaultSeverity: (name) => [['sources', name, 'defaultSeverity'], 'minor'],
  unresolvedTarget: (name) => [['sources', name, 'unresolvedTarget'], 'reject'],
  deliveryDedup: (name) => [['sources', name, 'deliveryDedup'], false],
};

function hmacSamples(name: string): Record<string, Sample> {
  return {
    'hmac.secret': [['sources', name, 'hmac', 'secret'], 'another-secret'],
    'hmac.secretFile': (doc) => {
      setAt(doc, ['sources', name, 'hmac', 'secret'], undefined);
      setAt(doc, ['sources', name, 'hmac', 'secretFile'], '/run/secrets/hmac');
    },
    'hmac.header': [['sources', name, 'hmac', 'header'], 'X-Other-Signature'],
    'hmac.algorithm': [['sources', name, 'hmac', 'algorithm'], 'sha512'],
    'hmac.encoding': [['sources', name, 'hmac', 'encoding'], 'base64'],
    'hmac.prefix': [['sources', name, 'hmac', 'prefix'], 'sha256='],
    'hmac.timestampHeader': [['sources', name, 'hmac', 'timestampHeader'], 'X-Timestamp'],
  };
}

const resourceLabelSamples = (name: string): Record<string, Sample> => ({
  'resourceLabels[].label': [['sources', name, 'resourceLabels'], [{ label: 'pod_name', kind: 'Pod' }]],
  'resourceLabels[].kind': [['sources', name, 'resourceLabels'], [{ label: 'pod', kind: 'Job' }]],
});

/** Keys only one source type has, by type. */
const TYPED_SOURCE_SAMPLES: Record<string, Record<string, Sample>> = {
  alertmanager: resourceLabelSamples('prometheus'),
  'kubernetes-event': { maxEventsPerRequest: [['sources', 'kubernetes-event', 'maxEventsPerRequest'], 5] },
  cloudwatch: {
    topicArns: [['sources', 'cloudwatch', 'topicArns'], [`${ARN}-2`]],
    autoConfirmSubscriptions: [['sources', 'cloudwatch', 'autoConfirmSubscriptions'], false],
    maxMessageAge: [['sources', 'cloudwatch', 'maxMessageAge'], '5m'],
    certHostPattern: [['sources', 'cloudwatch', 'certHostPattern'], '^sns\\.example\\.com$'],
    insufficientData: [['sources', 'cloudwatch', 'insufficientData'], 'firing'],
    caFile: [['sources', 'cloudwatch', 'caFile'], '/etc/ssl/sns-ca.pem'],
    resolve: [['sources', 'cloudwatch', 'resolve'], { 'sns.eu-west-1.amazonaws.com': '127.0.0.1' }],
  },
  datadog: { noData: [['sources', 'datadog', 'noData'], 'firing'] },
  grafana: {
    ...resourceLabelSamples('grafana'),
    ...hmacSamples('grafana'),
    ignoreTestNotifications: [['sources', 'grafana', 'ignoreTestNotifications'], false],
  },
  custom: {
    ...hmacSamples('hooks'),
    signalSource: [['sources', 'hooks', 'signalSource'], 'hooks-2'],
    contentTypes: [
      ['sources', 'hooks', 'contentTypes'],
      ['application/json', 'text/plain'],
    ],
    mapping: [['sources', 'hooks', 'mapping'], { signalName: 'alert' }],
  },
  plugin: {
    plugin: [['sources', 'echo', 'plugin'], 'echo-two'],
    signalSource: [['sources', 'echo', 'signalSource'], 'echo-custom'],
    contentTypes: [['sources', 'echo', 'contentTypes'], ['text/plain']],
    options: [['sources', 'echo', 'options'], { greeting: 'hi' }],
  },
};

const GLOBAL_SAMPLES: Record<string, Sample> = {
  'server.port': [['server', 'port'], 8081],
  'server.bodyLimitBytes': [['server', 'bodyLimitBytes'], 4096],
  'server.maxInFlightRequests': [['server', 'maxInFlightRequests'], 7],
  'server.maxEventLoopDelay': [['server', 'maxEventLoopDelay'], '250ms'],
  'server.requestTimeout': [['server', 'requestTimeout'], '3s'],
  'server.headersTimeout': [['server', 'headersTimeout'], '3s'],
  'server.keepAliveTimeout': [['server', 'keepAliveTimeout'], '3s'],
  'server.trustedProxies': [['server', 'trustedProxies'], ['10.0.0.0/8']],
  'server.tls': [['server', 'tls'], { certFile: '/c', keyFile: '/k' }],
  'worker.port': [['worker', 'port'], 9092],
  'worker.concurrency': [['worker', 'concurrency'], 3],
  'worker.lockDuration': [['worker', 'lockDuration'], '45s'],
  'redis.url': [['redis', 'url'], 'redis://redis:6380'],
  'redis.prefix': [['redis', 'prefix'], 'other'],
  'redis.waitReplicas': [['redis', 'waitReplicas'], 1],
  'redis.waitTimeout': [['redis', 'waitTimeout'], '50ms'],
  'queue.highWaterMark': [['queue', 'highWaterMark'], 60_000],
  'queue.lowWaterMark': [['queue', 'lowWaterMark'], 30_000],
  'queue.retryAfterSeconds': [['queue', 'retryAfterSeconds'], 9],
  'queue.jobRetry.initialDelay': [['queue', 'jobRetry', 'initialDelay'], '2s'],
  'queue.jobRetry.maxDelay': [['queue', 'jobRetry', 'maxDelay'], '2m'],
  'queue.failedRetention': [['queue', 'failedRetention'], '1d'],
  'auth.mode': [['auth', 'mode'], 'none'],
  'auth.tokens[].id': [['auth', 'tokens', 0, 'id'], 'ci'],
  'auth.tokens[].token': [['auth', 'tokens', 0, 'token'], 'b'.repeat(32)],
  'auth.tokens[].tokenSha256': [['auth', 'tokens', 0], { id: 'ops', tokenSha256: 'c'.repeat(64) }],
  'auth.tokens[].tokenFile': [['auth', 'tokens', 0], { id: 'ops', tokenFile: '/run/secrets/token' }],
  'auth.tokens[].scopes': [['auth', 'tokens', 0, 'scopes'], ['admin']],
  'auth.tokens[].sources': [['auth', 'tokens', 0, 'sources'], ['prometheus']],
  'auth.tokens[].clusterId': [['auth', 'tokens', 0, 'clusterId'], 'east'],
  'auth.tokens[].allowClusterHeader': [['auth', 'tokens', 0, 'allowClusterHeader'], true],
  'auth.tokens[].rateLimit.ratePerSecond': [['auth', 'tokens', 0, 'rateLimit'], { ratePerSecond: 7, burst: 1 }],
  'auth.tokens[].rateLimit.burst': [['auth', 'tokens', 0, 'rateLimit'], { ratePerSecond: 1, burst: 7 }],
  'auth.tokenReview': [['auth', 'tokenReview'], { enabled: true }],
  'rateLimits.enabled': [['rateLimits', 'enabled'], false],
  'rateLimits.perToken.ratePerSecond': [['rateLimits', 'perToken'], { ratePerSecond: 7, burst: 5000 }],
  'rateLimits.perToken.burst': [['rateLimits', 'perToken'], { ratePerSecond: 2000, burst: 7 }],
  'rateLimits.perSource.ratePerSecond': [['rateLimits', 'perSource'], { ratePerSecond: 7, burst: 10_000 }],
  'rateLimits.perSource.burst': [['rateLimits', 'perSource'], { ratePerSecond: 5000, burst: 7 }],
  'plugins[].module': [['plugins', 0, 'module'], './other-plugin'],
  'plugins[].options': [['plugins', 0, 'options'], { greeting: 'hi' }],
  'fingerprint.strategy': [['fingerprint', 'strategy'], 'owner'],
  'fingerprint.rules[].match.source': [['fingerprint', 'rules', 0, 'match', 'source'], 'datadog'],
  'fingerprint.rules[].match.signalName': [['fingerprint', 'rules', 0, 'match', 'signalName'], 'Kube*'],
  'fingerprint.rules[].match.targetType': [['fingerprint', 'rules', 0, 'match', 'targetType'], 'aws'],
  'fingerprint.rules[].strategy': [['fingerprint', 'rules', 0, 'strategy'], 'similarity'],
  'fingerprint.rules[].extraLabels': [['fingerprint', 'rules', 0, 'extraLabels'], ['pod']],
  'fingerprint.owner.maxDepth': [['fingerprint', 'owner', 'maxDepth'], 3],
  'fingerprint.owner.lookupTimeout': [['fingerprint', 'owner', 'lookupTimeout'], '500ms'],
  'fingerprint.owner.cacheSize': [['fingerprint', 'owner', 'cacheSize'], 1000],
  'fingerprint.owner.cacheTtl': [['fingerprint', 'owner', 'cacheTtl'], '1m'],
  'fingerprint.owner.negativeCacheTtl': [['fingerprint', 'owner', 'negativeCacheTtl'], '5s'],
  'fingerprint.owner.followGroups': [
    ['fingerprint', 'owner', 'followGroups'],
    ['', 'apps', 'argoproj.io'],
  ],
  'fingerprint.owner.heuristics': [['fingerprint', 'owner', 'heuristics'], false],
  'fingerprint.signalClasses.defaults': [['fingerprint', 'signalClasses', 'defaults'], false],
  'fingerprint.signalClasses.classes[].name': [['fingerprint', 'signalClasses', 'classes', 0, 'name'], 'crash-loop'],
  'fingerprint.signalClasses.classes[].signals': [
    ['fingerprint', 'signalClasses', 'classes', 0, 'signals'],
    ['BackOff'],
  ],
  'fingerprint.targetRules.defaults': [['fingerprint', 'targetRules', 'defaults'], false],
  'fingerprint.targetRules.rules[].name': [['fingerprint', 'targetRules', 'rules', 0, 'name'], 'queues'],
  'fingerprint.targetRules.rules[].match.signalName': [
    ['fingerprint', 'targetRules', 'rules', 0, 'match', 'signalName'],
    'Queue?*',
  ],
  'fingerprint.targetRules.rules[].match.targetKind': [
    ['fingerprint', 'targetRules', 'rules', 0, 'match', 'targetKind'],
    'Service',
  ],
  'fingerprint.targetRules.rules[].match.labels': [
    ['fingerprint', 'targetRules', 'rules', 0, 'match', 'labels'],
    { topic: '*' },
  ],
  'fingerprint.targetRules.rules[].objectLabels[].label': [
    ['fingerprint', 'targetRules', 'rules', 0, 'objectLabels', 0, 'label'],
    'topic',
  ],
  'fingerprint.targetRules.rules[].objectLabels[].kind': [
    ['fingerprint', 'targetRules', 'rules', 0, 'objectLabels', 0, 'kind'],
    'Topic',
  ],
  'fingerprint.targetRules.rules[].scopeLabels': [['fingerprint', 'targetRules', 'rules', 0, 'scopeLabels'], ['vhost']],
  'fingerprint.targetRules.rules[].scope': [['fingerprint', 'targetRules', 'rules', 0, 'scope'], 'cluster'],
  'fingerprint.targetRules.rules[].qualifierLabels': [
    ['fingerprint', 'targetRules', 'rules', 0, 'qualifierLabels'],
    ['partition'],
  ],
  'fingerprint.similarity.base': [['fingerprint', 'similarity', 'base'], 'owner'],
  'fingerprint.similarity.mode': [['fingerprint', 'similarity', 'mode'], 'shadow'],
  'fingerprint.similarity.numHashes': [['fingerprint', 'similarity', 'numHashes'], 64],
  'fingerprint.similarity.bands': [['fingerprint', 'similarity', 'bands'], 32],
  'fingerprint.similarity.jaccardThreshold': [['fingerprint', 'similarity', 'jaccardThreshold'], 0.9],
  'fingerprint.similarity.scopeBy': [['fingerprint', 'similarity', 'scopeBy'], ['signalName']],
  'fingerprint.similarity.ignoreLabels': [['fingerprint', 'similarity', 'ignoreLabels'], ['severity']],
  'fingerprint.similarity.includeText': [['fingerprint', 'similarity', 'includeText'], true],
  'fingerprint.similarity.maxCandidates': [['fingerprint', 'similarity', 'maxCandidates'], 5],
  'fingerprint.similarity.ttl': [['fingerprint', 'similarity', 'ttl'], '2h'],
  'fingerprint.similarity.adaptive.enabled': [['fingerprint', 'similarity', 'adaptive', 'enabled'], false],
  'fingerprint.similarity.adaptive.minObservations': [['fingerprint', 'similarity', 'adaptive', 'minObservations'], 20],
  'fingerprint.similarity.adaptive.distinctThreshold': [
    ['fingerprint', 'similarity', 'adaptive', 'distinctThreshold'],
    10,
  ],
  'fingerprint.similarity.adaptive.distinctRatio': [['fingerprint', 'similarity', 'adaptive', 'distinctRatio'], 0.7],
  'fingerprint.similarity.adaptive.protectedLabels': [
    ['fingerprint', 'similarity', 'adaptive', 'protectedLabels'],
    ['job'],
  ],
  'dedup.flushInterval': [['dedup', 'flushInterval'], '2s'],
  'dedup.flushConcurrency': [['dedup', 'flushConcurrency'], 3],
  'dedup.maxStatusWritesPerSecond': [['dedup', 'maxStatusWritesPerSecond'], 40],
  'dedup.deliveryDedupTtl': [['dedup', 'deliveryDedupTtl'], '1m'],
  'dedup.reconcileInterval': [['dedup', 'reconcileInterval'], '2m'],
  'dedup.pendingClaimTimeout': [['dedup', 'pendingClaimTimeout'], '20m'],
  'dedup.holdTerminal.manualReview': [['dedup', 'holdTerminal', 'manualReview'], true],
  'dedup.holdTerminal.backoff': [['dedup', 'holdTerminal', 'backoff'], true],
  'kubernetes.remediationNamespace': [['kubernetes', 'remediationNamespace'], 'remediation'],
  'kubernetes.requestTimeout': [['kubernetes', 'requestTimeout'], '3s'],
  'retry.maxAttempts': [['retry', 'maxAttempts'], 5],
  'retry.initialBackoff': [['retry', 'initialBackoff'], '200ms'],
  'retry.maxBackoff': [['retry', 'maxBackoff'], '10s'],
  'retry.multiplier': [['retry', 'multiplier'], 3],
  'retry.jitter': [['retry', 'jitter'], 0.2],
  'circuitBreaker.enabled': [['circuitBreaker', 'enabled'], false],
  'circuitBreaker.window': [['circuitBreaker', 'window'], '20s'],
  'circuitBreaker.minRequests': [['circuitBreaker', 'minRequests'], 5],
  'circuitBreaker.failureRatio': [['circuitBreaker', 'failureRatio'], 0.7],
  'circuitBreaker.openDuration': [['circuitBreaker', 'openDuration'], '10s'],
  'circuitBreaker.halfOpenProbes': [['circuitBreaker', 'halfOpenProbes'], 5],
  'circuitBreaker.probeInterval': [['circuitBreaker', 'probeInterval'], '5s'],
  'multiCluster.enabled': [['multiCluster', 'enabled'], true],
  'multiCluster.routing': [['multiCluster', 'routing'], 'per-cluster'],
  'multiCluster.clusters': [['multiCluster', 'clusters'], [{ id: 'east', context: 'ctx-east' }]],
  'multiCluster.clusterLabel': [['multiCluster', 'clusterLabel'], 'k8s_cluster'],
  'multiCluster.defaultClusterId': [['multiCluster', 'defaultClusterId'], 'hub'],
  'multiCluster.dedupScope': (doc) => setAt(doc, ['multiCluster'], { enabled: true, dedupScope: 'global' }),
  'multiCluster.unknownCluster': [['multiCluster', 'unknownCluster'], 'hub'],
  'audit.dataStorageUrl': [['audit', 'dataStorageUrl'], 'http://data-storage:8080'],
  'audit.batchSize': [['audit', 'batchSize'], 50],
  'audit.flushInterval': [['audit', 'flushInterval'], '2s'],
  'audit.requestTimeout': [['audit', 'requestTimeout'], '20s'],
  'audit.retry.initialBackoff': [['audit', 'retry', 'initialBackoff'], '2s'],
  'audit.retry.maxBackoff': [['audit', 'retry', 'maxBackoff'], '1m'],
  'audit.maxBacklog': [['audit', 'maxBacklog'], 5000],
  'audit.maxBacklogBytes': [['audit', 'maxBacklogBytes'], 2 * 1024 ** 2],
  'audit.includePayloadInDuplicates': [['audit', 'includePayloadInDuplicates'], false],
  'audit.maxOriginalPayloadBytes': [['audit', 'maxOriginalPayloadBytes'], 2048],
  'audit.sendEventId': [['audit', 'sendEventId'], false],
  'audit.tokenFile': [['audit', 'tokenFile'], '/run/secrets/audit-token'],
  'audit.file.path': [['audit', 'file', 'path'], '/var/log/audit.jsonl'],
  'audit.file.maxBytes': [['audit', 'file', 'maxBytes'], 2 * 1024 ** 2],
  'audit.file.maxFiles': [['audit', 'file', 'maxFiles'], 2],
  'logging.level': [['logging', 'level'], 'debug'],
  'logging.format': [['logging', 'format'], 'pretty'],
  'logging.logPayloads': [['logging', 'logPayloads'], true],
  'telemetry.otlpEndpoint': [['telemetry', 'otlpEndpoint'], 'http://otel:4318'],
  'reload.watch': [['reload', 'watch'], false],
  'reload.pollInterval': [['reload', 'pollInterval'], '1m'],
  'reload.debounce': [['reload', 'debounce'], '1s'],
  'reload.autoRollback.enabled': [['reload', 'autoRollback', 'enabled'], true],
  'reload.autoRollback.window': [['reload', 'autoRollback', 'window'], '10m'],
  'reload.autoRollback.minRequests': [['reload', 'autoRollback', 'minRequests'], 500],
  'reload.autoRollback.minErrors': [['reload', 'autoRollback', 'minErrors'], 100],
  'reload.autoRollback.factor': [['reload', 'autoRollback', 'factor'], 3],
  'reload.autoRollback.minIncrease': [['reload', 'autoRollback', 'minIncrease'], 0.1],
  'shutdown.drainDelay': [['shutdown', 'drainDelay'], '1s'],
  'shutdown.timeout': [['shutdown', 'timeout'], '10s'],
};

function sampleFor(pattern: string): Sample | undefined {
  const source = /^sources\.<([^>]+)>\.(.+)$/.exec(pattern);
  if (source === null) return GLOBAL_SAMPLES[pattern];
  const [, type = '', key = ''] = source;
  const instance = INSTANCES[type];
  if (instance === undefined) return undefined;
  return TYPED_SOURCE_SAMPLES[type]?.[key] ?? COMMON_SOURCE_SAMPLES[key]?.(instance, type as SourceType);
}

const DEFINITIONS = { ...builtinSources, echo: plugin('echo'), 'echo-two': plugin('echo-two') };

/**
 * Everything the apps derive from the configuration, as comparable data: the ingress's per-request snapshot (minus
 * the configuration it echoes on `/admin/config` and its hash), the ingress process settings, the worker's and the
 * reload controller's.
 */
function derived(config: GatewayConfig): string {
  const ingress = ingressSettingsFromConfig(config, [], 'abcdef012345', {
    definitions: DEFINITIONS,
    readFile: (path) => `file-content-of-${path}-${'x'.repeat(32)}`,
    now: () => new Date(0),
  }).settings;
  const all = {
    ingress,
    ingressProcess: ingressProcessSettingsFromConfig(config),
    worker: workerSettingsFromConfig(config),
    // Both apps' reload controllers read this section from the running snapshot itself.
    reload: config.reload,
  };
  return JSON.stringify(all, (key, value: unknown) => {
    if (['redactedConfig', 'configHash', 'definition', 'capabilities'].includes(key)) return undefined;
    if (value instanceof BlockList) return value.rules;
    return value;
  });
}

function load(doc: Doc) {
  return loadConfig({ env: { GATEWAY_CONFIG: '/gateway.yaml' }, readFile: () => JSON.stringify(doc) });
}

function keyPathOf(pattern: string, sample: Sample): string {
  if (typeof sample === 'function') return pattern.replace(/^sources\.<[^>]+>/, 'sources.');
  return sample[0].map((segment) => (typeof segment === 'number' ? `[${segment}]` : segment)).join('.');
}

describe('every setting', () => {
  const patterns = schemaKeyPatterns();
  const baseline = load(baseDocument());
  if (!baseline.ok) throw new Error(JSON.stringify(baseline.problems));
  const before = derived(baseline.config);

  it('finds the keys of every section and every source type', () => {
    expect(patterns.length).toBeGreaterThan(200);
    expect(patterns).toContain('sources.<grafana>.hmac.secretFile');
    expect(patterns).toContain('auth.tokens[].rateLimit.burst');
  });

  it.each(patterns)('%s is read by the apps or refused at startup', (pattern) => {
    const sample = sampleFor(pattern);
    expect(sample, `add a sample value for ${pattern} to this test`).toBeDefined();
    if (sample === undefined) return;
    const doc = baseDocument();
    if (typeof sample === 'function') sample(doc);
    else setAt(doc, sample[0], sample[1]);
    const loaded = load(doc);
    if (!loaded.ok) {
      const key = keyPathOf(pattern, sample).replace(/\.\[/g, '[');
      // Refused: every problem is the not-supported one, for this key.
      expect(loaded.problems.map((problem) => problem.rule.startsWith(NOT_SUPPORTED_RULE))).not.toContain(false);
      expect(loaded.problems.map((problem) => problem.path.startsWith(key))).not.toContain(false);
      return;
    }
    expect(derived(loaded.config), `${pattern} is accepted but changes nothing the apps derive`).not.toBe(before);
  });
});
