import type { NormalizedSignal } from '@gateway/contracts';

/** The strategies a rule or `fingerprint.strategy` can name. */
export const FINGERPRINT_STRATEGY = { default: 'default', owner: 'owner', similarity: 'similarity' } as const;
export type FingerprintStrategyName = (typeof FINGERPRINT_STRATEGY)[keyof typeof FINGERPRINT_STRATEGY];

/** How the owner of a target was found (`providerData.ownerResolution`, `gateway_owner_resolution_total`). */
export const OWNER_RESOLUTION = { api: 'api', cache: 'cache', heuristic: 'heuristic', none: 'none' } as const;
export type OwnerResolution = (typeof OWNER_RESOLUTION)[keyof typeof OWNER_RESOLUTION];

/** `enforce` dedups on the cluster; `shadow` computes clusters and metrics but dedups on the base fingerprint. */
export const SIMILARITY_MODE = { enforce: 'enforce', shadow: 'shadow' } as const;
export type SimilarityMode = (typeof SIMILARITY_MODE)[keyof typeof SIMILARITY_MODE];

/** A Kubernetes object as an owner lookup names it. */
export interface ObjectRef {
  /** `""` for the hub (local) cluster. */
  clusterId: string;
  apiVersion?: string;
  kind: string;
  /** `""` for cluster-scoped objects (Node). */
  namespace: string;
  name: string;
}

/** The controller owner reference of an object (`ownerReferences[]` with `controller: true`). */
export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
}

/** Why a lookup could not answer: the strategy then falls back to name heuristics. */
export class OwnerLookupUnavailable extends Error {
  readonly reason: 'not-found' | 'forbidden' | 'timeout' | 'circuit-open' | 'no-client' | 'error';
  constructor(reason: OwnerLookupUnavailable['reason'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OwnerLookupUnavailable';
    this.reason = reason;
  }
}

/**
 * Object metadata as the API answers it, for one cluster or many. The worker answers from the cluster's API through
 * its breaker; the evaluation harness answers from an objects file as the API would have at `atMs`.
 */
export interface OwnerLookup {
  /**
   * The controller owner, `null` when the object has none; throws `OwnerLookupUnavailable` when it cannot say.
   * `options.timeoutMs` is `owner.lookupTimeout`: the fingerprinter stops waiting then in any case, so a lookup that
   * can cancel its request should.
   */
  controllerOf(ref: ObjectRef, atMs: number, options?: { timeoutMs: number }): Promise<OwnerRef | null>;
}

/** What the RR (annotation, `providerData`) and the audit event record about how a fingerprint was decided. */
export interface FingerprintEvidence {
  /** Index of the `fingerprint.rules[]` entry that chose the strategy; absent when `fingerprint.strategy` did. */
  rule?: number;
  /** The identity hashed (kind, name, scope), after owner resolution and target rules. */
  identity: { kind: string; name: string; scope: string };
  ownerResolution?: OwnerResolution;
  /** `Pod/web-7d4b9c-x2x9z`, `ReplicaSet/web-7d4b9c`, `Deployment/web`: the walk, first to last. */
  ownerChain?: string[];
  /** The configured signal class whose members count as one problem, when the signal name belongs to one. */
  signalClass?: string;
  /** The target rule that named the object this signal measures (an exporter pod's alert about a node, …). */
  targetRule?: string;
  /**
   * The Kubernetes object the fingerprint names when owner resolution or a target rule replaced the signal's target
   * (the RR's `targetResource`; the signal's own target goes to `providerData.signalResource`).
   */
  resource?: { kind: string; name: string; namespace: string };
  /** Why the strategy was not applied: `owner` on a target that is not a Kubernetes object uses the default formula. */
  fallback?: string;
  /** The similarity strategy's match: best Jaccard estimate (0 without candidates), the cluster, what was masked. */
  similarity?: SimilarityEvidence;
}

export interface SimilarityEvidence {
  score: number;
  /** The cluster's id, the base fingerprint of its founding signal; the fingerprint in `enforce` mode. */
  clusterId: string;
  /** Label keys whose values masking or volatile-label detection replaced, sorted. */
  maskedLabels: string[];
  mode: SimilarityMode;
}

export interface FingerprintDecision {
  /** 64 lowercase hex. */
  fingerprint: string;
  strategy: FingerprintStrategyName;
  evidence: FingerprintEvidence;
}

/**
 * Everything a fingerprint depends on besides the signal, taken from one configuration snapshot
 * (`fingerprintSettingsFromConfig`): a job passes the settings of the snapshot it started with.
 */
export interface FingerprintSettings {
  strategy: FingerprintStrategyName;
  rules: readonly FingerprintRuleSettings[];
  /** Prefix the input with the cluster id (multi-cluster on, dedup scope `cluster`). */
  clusterScoped: boolean;
  /** `fingerprint.owner`; `DEFAULT_OWNER_SETTINGS` when absent. */
  owner?: OwnerSettings;
  /** Configured classes, then the shipped table when `signalClasses.defaults`; first match wins. */
  signalClasses?: readonly SignalClassSettings[];
  /** Configured rules, then the shipped ones when `targetRules.defaults`; first match wins. */
  targetRules?: readonly TargetRuleSettings[];
  /** `fingerprint.similarity`; `DEFAULT_SIMILARITY_SETTINGS` when absent. */
  similarity?: SimilaritySettings;
}

export interface SimilaritySettings {
  /** The strategy whose fingerprint names a new cluster. */
  base: typeof FINGERPRINT_STRATEGY.default | typeof FINGERPRINT_STRATEGY.owner;
  mode: SimilarityMode;
  numHashes: number;
  /** Divides `numHashes`; each band hashes `numHashes / bands` rows. */
  bands: number;
  jaccardThreshold: number;
  /** `signalName`, `namespace`, `source` or a label key. */
  scopeBy: readonly string[];
  ignoreLabels: readonly string[];
  includeText: boolean;
  maxCandidates: number;
  ttlMs: number;
  adaptive: AdaptiveMaskingSettings;
}

export interface AdaptiveMaskingSettings {
  enabled: boolean;
  minObservations: number;
  distinctThreshold: number;
  distinctRatio: number;
  protectedLabels: readonly string[];
}

export interface OwnerSettings {
  maxDepth: number;
  lookupTimeoutMs: number;
  /** Entries per cluster. */
  cacheSize: number;
  cacheTtlMs: number;
  negativeCacheTtlMs: number;
  /** API groups whose controllers are followed (`""` is the core group). */
  followGroups: readonly string[];
  /** Parse generated names when the API cannot answer. */
  heuristics: boolean;
}

/** Signal names (globs) that describe one problem of one object; the class name replaces the signal name. */
export interface SignalClassSettings {
  name: string;
  signals: readonly string[];
}

/** Names the object a signal measures from its labels when its target is the exporter or nothing. */
export interface TargetRuleSettings {
  name: string;
  match: { signalName?: string; targetKind?: string; labels?: Readonly<Record<string, string>> };
  objectLabels: readonly { label: string; kind: string }[];
  scopeLabels: readonly string[];
  scope: 'namespace' | 'cluster';
  qualifierLabels: readonly string[];
}

export interface FingerprintRuleSettings {
  match: { source?: string; signalName?: string; targetType?: string };
  strategy?: FingerprintStrategyName;
  extraLabels?: readonly string[];
}

/**
 * Turns a signal into its fingerprint with the strategy the first matching rule (or `fingerprint.strategy`) chooses.
 * One per process: caches (owner lookups) outlive configuration snapshots.
 */
export interface Fingerprinter {
  fingerprint(signal: NormalizedSignal, settings: FingerprintSettings): Promise<FingerprintDecision>;
}
