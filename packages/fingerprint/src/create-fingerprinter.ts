import { computeFingerprint, type NormalizedSignal } from '@gateway/contracts';
import type {
  FingerprintDecision,
  Fingerprinter,
  FingerprintRuleSettings,
  FingerprintSettings,
  OwnerLookup,
} from './fingerprinter.js';

export interface FingerprinterDeps {
  owners?: OwnerLookup;
  nowMs(): number;
}

/**
 * Whether `text` matches a `*` / `?` glob over the whole string, without the backtracking of a regular expression
 * built from the glob: only the position after the last `*` is ever revisited.
 */
function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (t < text.length) {
    const wanted = pattern[p];
    if (wanted === '*') {
      starAt = p++;
      resumeAt = t;
    } else if (wanted !== undefined && (wanted === '?' || wanted === text[t])) {
      p++;
      t++;
    } else if (starAt >= 0) {
      p = starAt + 1;
      t = ++resumeAt;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

function ruleMatches(rule: FingerprintRuleSettings, signal: NormalizedSignal): boolean {
  const { source, signalName, targetType } = rule.match;
  if (source !== undefined && source !== signal.source) return false;
  if (targetType !== undefined && targetType !== signal.target?.type) return false;
  if (signalName !== undefined && !globMatches(signalName, signal.signalName)) return false;
  return true;
}

/** Kubernaut's formula for every signal: only the default strategy exists so far. */
export function createFingerprinter(_deps: FingerprinterDeps): Fingerprinter {
  return {
    async fingerprint(signal: NormalizedSignal, settings: FingerprintSettings): Promise<FingerprintDecision> {
      const ruleIndex = settings.rules.findIndex((candidate) => ruleMatches(candidate, signal));
      const rule = settings.rules[ruleIndex];
      const target = signal.target ?? { kind: 'Unknown', name: 'unknown', scope: signal.namespace || 'default' };
      let base = signal.fingerprintInput ?? `${signal.signalName}:${target.scope}:${target.kind}:${target.name}`;
      for (const label of rule?.extraLabels ?? []) base += `:${label}=${signal.labels[label] ?? ''}`;
      const clusterPrefix = settings.clusterScoped && signal.clusterId ? signal.clusterId : undefined;
      return {
        fingerprint: computeFingerprint({ signalName: signal.signalName, fingerprintInput: base, clusterPrefix }),
        strategy: 'default',
        evidence: {
          ...(rule === undefined ? {} : { rule: ruleIndex }),
          identity: { kind: target.kind, name: target.name, scope: target.scope },
        },
      };
    },
  };
}
