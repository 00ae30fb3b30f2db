import { sha256Hex } from './hash.js';

export interface FingerprintParts {
  signalName: string;
  target?: { kind: string; name: string; scope: string } | undefined;
  /** Custom sources may map their own identity (docs/fingerprints-and-windows.md#the-default-fingerprint). */
  fingerprintInput?: string | null | undefined;
  /** Prefixed only when multi-cluster dedup is scoped per cluster and the id is non-empty. */
  clusterPrefix?: string | undefined;
}

const UNKNOWN_TARGET = { kind: 'Unknown', name: 'unknown', scope: 'default' } as const;

/** Kubernaut's formula `<alertname or reason>:<scope>:<Kind>:<name>`; `:` is deliberately not escaped. */
export function fingerprintInput(parts: FingerprintParts): string {
  const target = parts.target ?? UNKNOWN_TARGET;
  const base = parts.fingerprintInput ?? `${parts.signalName}:${target.scope}:${target.kind}:${target.name}`;
  return parts.clusterPrefix ? `${parts.clusterPrefix}:${base}` : base;
}

export function computeFingerprint(parts: FingerprintParts): string {
  return sha256Hex(fingerprintInput(parts));
}
