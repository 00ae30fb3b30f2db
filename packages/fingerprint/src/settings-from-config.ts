import type { GatewayConfig } from '@gateway/config';
import type { FingerprintSettings, TargetRuleSettings } from './fingerprinter.js';
import { DEFAULT_SIGNAL_CLASSES } from './signal-classes.js';
import { DEFAULT_TARGET_RULES } from './target-rules.js';

/** Everything a fingerprint depends on, from one validated configuration; pure. */
export function fingerprintSettingsFromConfig(config: GatewayConfig): FingerprintSettings {
  const { fingerprint, multiCluster } = config;
  const { owner, signalClasses, targetRules, similarity } = fingerprint;
  const configuredRules: TargetRuleSettings[] = targetRules.rules.map((rule) => ({
    name: rule.name,
    match: rule.match,
    objectLabels: rule.objectLabels,
    scopeLabels: rule.scopeLabels,
    scope: rule.scope,
    qualifierLabels: rule.qualifierLabels,
  }));
  return {
    strategy: fingerprint.strategy,
    rules: fingerprint.rules.map((rule) => ({
      match: rule.match,
      ...(rule.strategy === undefined ? {} : { strategy: rule.strategy }),
      ...(rule.extraLabels === undefined ? {} : { extraLabels: rule.extraLabels }),
    })),
    clusterScoped: multiCluster.enabled && multiCluster.dedupScope === 'cluster',
    owner: {
      maxDepth: owner.maxDepth,
      lookupTimeoutMs: owner.lookupTimeout,
      cacheSize: owner.cacheSize,
      cacheTtlMs: owner.cacheTtl,
      negativeCacheTtlMs: owner.negativeCacheTtl,
      followGroups: owner.followGroups,
      heuristics: owner.heuristics,
    },
    signalClasses: [...signalClasses.classes, ...(signalClasses.defaults ? DEFAULT_SIGNAL_CLASSES : [])],
    targetRules: [...configuredRules, ...(targetRules.defaults ? DEFAULT_TARGET_RULES : [])],
    similarity: {
      base: similarity.base,
      mode: similarity.mode,
      numHashes: similarity.numHashes,
      bands: similarity.bands,
      jaccardThreshold: similarity.jaccardThreshold,
      scopeBy: similarity.scopeBy,
      ignoreLabels: similarity.ignoreLabels,
      includeText: similarity.includeText,
      maxCandidates: similarity.maxCandidates,
      ttlMs: similarity.ttl,
      adaptive: similarity.adaptive,
    },
  };
}
