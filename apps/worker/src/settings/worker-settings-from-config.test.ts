import { loadConfig } from '@gateway/config';
import { describe, expect, it } from 'vitest';
import { workerSettingsFromConfig } from './worker-settings-from-config.js';

function settingsFrom(yaml: string) {
  const loaded = loadConfig({ env: { GATEWAY_CONFIG: '/gateway.yaml' }, readFile: () => yaml });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return workerSettingsFromConfig(loaded.config);
}

describe('workerSettingsFromConfig', () => {
  it('derives the defaults in the units the worker uses', () => {
    const settings = settingsFrom('');
    expect(settings).toMatchObject({
      port: 9091,
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'gateway' },
      logging: { level: 'info', format: 'json' },
      namespace: 'kubernaut-system',
      flushLeaseMs: 12_000,
      retryPolicy: { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 5000, requestTimeoutMs: 10_000 },
      pipeline: {
        namespace: 'kubernaut-system',
        deliveryDedupTtlMs: 600_000,
        flushIntervalMs: 1000,
        fingerprint: { strategy: 'default', rules: [], clusterScoped: false },
      },
      jobRetry: { initialDelayMs: 1000, maxDelayMs: 60_000 },
      flusher: {
        flushIntervalMs: 1000,
        flushConcurrency: 20,
        batchLimit: 500,
        maxWritesPerSecond: 250,
        retryDelayMs: 5000,
      },
      reconciler: { intervalMs: 60_000, pendingClaimTimeoutMs: 600_000 },
      shutdownTimeoutMs: 25_000,
    });
    expect(settings.auditSink.dataStorage.url).toBeUndefined();
  });

  it('keeps failed jobs for queue.failedRetention, in the seconds BullMQ expects', () => {
    expect(settingsFrom('').queueWorker.removeOnFail).toEqual({ age: 7 * 86_400 });
    expect(settingsFrom('queue: {failedRetention: 2h}').queueWorker).toMatchObject({
      concurrency: 50,
      lockDuration: 30_000,
      stalledInterval: 30_000,
      removeOnFail: { age: 7200 },
    });
  });

  it('scopes fingerprints by cluster only with multi-cluster on and the cluster dedup scope', () => {
    const scoped = settingsFrom('multiCluster: {enabled: true}');
    expect(scoped.pipeline.fingerprint.clusterScoped).toBe(true);
    const global = settingsFrom('multiCluster: {enabled: true, dedupScope: global}');
    expect(global.pipeline.fingerprint.clusterScoped).toBe(false);
    const rules = settingsFrom('fingerprint: {rules: [{match: {source: datadog}, extraLabels: [pod]}]}');
    expect(rules.pipeline.fingerprint.rules).toEqual([{ match: { source: 'datadog' }, extraLabels: ['pod'] }]);
  });

  it('sends audit to Data Storage with its timeout and token file when its URL is set', () => {
    const settings = settingsFrom('audit: {dataStorageUrl: "http://ds:8080", requestTimeout: 20s, tokenFile: /t}');
    expect(settings.auditSink.dataStorage).toEqual({
      url: 'http://ds:8080',
      requestTimeoutMs: 20_000,
      tokenFile: '/t',
    });
  });
});
