import { computeFingerprint, type NormalizedSignal } from '@gateway/contracts';
import { globMatches } from './glob-match.js';

export interface FingerprintRule {
  match: { source?: string; signalName?: string; targetType?: string };
  extraLabels?: string[];
}

export interface FingerprintSettings {
  strategy: string;
  rules: FingerprintRule[];
  /** Prefix the input with the cluster id (multi-cluster on, dedup scope `cluster`). */
  clusterScoped: boolean;
}

export interface SignalFingerprint {
  fingerprint: string;
  strategy: string;
}

function ruleMatches(rule: FingerprintRule, signal: NormalizedSignal): boolean {
  const { source, signalName, targetType } = rule.match;
  if (source !== undefined && source !== signal.source) return false;
  if (targetType !== undefined && targetType !== signal.target?.type) return false;
  if (signalName !== undefined && !globMatches(signalName, signal.signalName)) return false;
  return true;
}

/**
 * Resolved signals go through the same function so they map to the window of their firing
 * twin. Only the default strategy is built; configuration refuses the others until they land.
 */
export function fingerprintSignal(signal: NormalizedSignal, settings: FingerprintSettings): SignalFingerprint {
  const rule = settings.rules.find((candidate) => ruleMatches(candidate, signal));
  const target = signal.target ?? { kind: 'Unknown', name: 'unknown', scope: signal.namespace || 'default' };
  let base = signal.fingerprintInput ?? `${signal.signalName}:${target.scope}:${target.kind}:${target.name}`;
  for (const label of rule?.extraLabels ?? []) base += `:${label}=${signal.labels[label] ?? ''}`;
  const clusterPrefix = settings.clusterScoped && signal.clusterId ? signal.clusterId : undefined;
  return {
    fingerprint: computeFingerprint({ signalName: signal.signalName, fingerprintInput: base, clusterPrefix }),
    strategy: settings.strategy,
  };
}
