import { computeFingerprint, type NormalizedSignal } from '@gateway/contracts';
import type { FingerprintRuleSettings, FingerprintSettings } from './fingerprinter.js';
import { globMatches } from './glob-match.js';

/** What a signal without a target is fingerprinted as (Kubernaut's placeholder). */
export function unknownTarget(signal: NormalizedSignal): { kind: string; name: string; scope: string } {
  return { kind: 'Unknown', name: 'unknown', scope: signal.namespace || 'default' };
}

function ruleMatches(rule: FingerprintRuleSettings, signal: NormalizedSignal): boolean {
  const { source, signalName, targetType } = rule.match;
  if (source !== undefined && source !== signal.source) return false;
  if (targetType !== undefined && targetType !== signal.target?.type) return false;
  if (signalName !== undefined && !globMatches(signalName, signal.signalName)) return false;
  return true;
}

/** The first `fingerprint.rules[]` entry matching the signal, with its index. */
export function matchingRule(
  signal: NormalizedSignal,
  settings: FingerprintSettings,
): { rule: FingerprintRuleSettings; index: number } | undefined {
  const { rules } = settings;
  const index = rules.findIndex((candidate) => ruleMatches(candidate, signal));
  const rule = rules[index];
  return rule === undefined ? undefined : { rule, index };
}

/** `:<label>=<value>` per extra label of the matching rule (`""` when the signal lacks the label). */
export function extraLabelsSuffix(signal: NormalizedSignal, rule: FingerprintRuleSettings | undefined): string {
  let suffix = '';
  for (const label of rule?.extraLabels ?? []) suffix += `:${label}=${signal.labels[label] ?? ''}`;
  return suffix;
}

/** `sha256(<clusterId>:` + base`)`, the prefix only when dedup is per cluster and the signal names one. */
export function hashBase(signal: NormalizedSignal, base: string, settings: FingerprintSettings): string {
  const clusterPrefix = settings.clusterScoped && signal.clusterId ? signal.clusterId : undefined;
  return computeFingerprint({ signalName: signal.signalName, fingerprintInput: base, clusterPrefix });
}

/**
 * Kubernaut's formula, unchanged for existing users (docs/fingerprints-and-windows.md#the-default-fingerprint):
 * `<signalName>:<scope>:<Kind>:<name>` (or a custom source's `fingerprintInput`), the matching rule's extra labels,
 * the cluster prefix, SHA-256.
 */
export function defaultFingerprint(
  signal: NormalizedSignal,
  settings: FingerprintSettings,
  rule: FingerprintRuleSettings | undefined,
): string {
  const target = signal.target ?? unknownTarget(signal);
  const base = signal.fingerprintInput ?? `${signal.signalName}:${target.scope}:${target.kind}:${target.name}`;
  return hashBase(signal, base + extraLabelsSuffix(signal, rule), settings);
}
