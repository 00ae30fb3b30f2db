import { loadConfig } from '@gateway/config';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OWNER_SETTINGS, DEFAULT_SIMILARITY_SETTINGS } from './create-fingerprinter.js';
import { fingerprintSettingsFromConfig } from './settings-from-config.js';
import { DEFAULT_SIGNAL_CLASSES } from './signal-classes.js';
import { DEFAULT_TARGET_RULES } from './target-rules.js';

function configOf(yaml: string) {
  const loaded = loadConfig({ env: { GATEWAY_CONFIG: '/gateway.yaml' }, readFile: () => yaml });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.config;
}

describe('fingerprintSettingsFromConfig', () => {
  it('derives the shipped defaults from an empty configuration', () => {
    expect(fingerprintSettingsFromConfig(configOf('{}'))).toEqual({
      strategy: 'default',
      rules: [],
      clusterScoped: false,
      owner: DEFAULT_OWNER_SETTINGS,
      signalClasses: DEFAULT_SIGNAL_CLASSES,
      targetRules: DEFAULT_TARGET_RULES,
      similarity: DEFAULT_SIMILARITY_SETTINGS,
    });
  });

  it('puts configured classes and target rules before the shipped ones, or alone without defaults', () => {
    const settings = fingerprintSettingsFromConfig(
      configOf(`
fingerprint:
  strategy: owner
  rules: [{match: {source: prometheus}, strategy: default, extraLabels: [container]}]
  owner: {maxDepth: 2, lookupTimeout: 500ms, followGroups: ["", apps]}
  signalClasses: {defaults: false, classes: [{name: crash, signals: ["*Crash*"]}]}
  targetRules:
    rules: [{name: topic, match: {labels: {topic: "*"}}, objectLabels: [{label: topic, kind: Topic}]}]
multiCluster: {enabled: true}
`),
    );
    expect(settings).toMatchObject({
      strategy: 'owner',
      rules: [{ match: { source: 'prometheus' }, strategy: 'default', extraLabels: ['container'] }],
      clusterScoped: true,
      owner: { ...DEFAULT_OWNER_SETTINGS, maxDepth: 2, lookupTimeoutMs: 500, followGroups: ['', 'apps'] },
      signalClasses: [{ name: 'crash', signals: ['*Crash*'] }],
    });
    expect(settings.targetRules?.[0]).toEqual({
      name: 'topic',
      match: { labels: { topic: '*' } },
      objectLabels: [{ label: 'topic', kind: 'Topic' }],
      scopeLabels: [],
      scope: 'namespace',
      qualifierLabels: [],
    });
    expect(settings.targetRules?.slice(1)).toEqual(DEFAULT_TARGET_RULES);
  });

  it('reads the similarity settings with the ttl in milliseconds', () => {
    const settings = fingerprintSettingsFromConfig(
      configOf(`
fingerprint:
  strategy: similarity
  similarity: {base: owner, mode: shadow, numHashes: 64, bands: 8, ttl: 2h, adaptive: {protectedLabels: [job]}}
`),
    );
    expect(settings.strategy).toBe('similarity');
    expect(settings.similarity).toEqual({
      ...DEFAULT_SIMILARITY_SETTINGS,
      base: 'owner',
      mode: 'shadow',
      numHashes: 64,
      bands: 8,
      ttlMs: 7_200_000,
      adaptive: { ...DEFAULT_SIMILARITY_SETTINGS.adaptive, protectedLabels: ['job'] },
    });
  });
});
