import type { NormalizedSignal } from '@gateway/contracts';
import { defaultFingerprint, extraLabelsSuffix, hashBase, matchingRule, unknownTarget } from './default-fingerprint.js';
import {
  FINGERPRINT_STRATEGY,
  type FingerprintDecision,
  type FingerprintEvidence,
  type Fingerprinter,
  type FingerprintRuleSettings,
  type FingerprintSettings,
  OWNER_RESOLUTION,
  type OwnerLookup,
  type OwnerResolution,
  type OwnerSettings,
  SIMILARITY_MODE,
  type SimilaritySettings,
} from './fingerprinter.js';
import { lshBandHashes, minHashSignature, signatureHex } from './minhash.js';
import { createOwnerCache } from './owner-cache.js';
import { createOwnerResolver, OWNED_KINDS } from './owner-resolver.js';
import { DEFAULT_SIGNAL_CLASSES, signalClassOf } from './signal-classes.js';
import type { LabelObservation, SimilarityStore } from './similarity-store.js';
import { isVolatileLabel, observedLabels, shortHash, similarityScope, similarityTokens } from './similarity-tokens.js';
import { DEFAULT_TARGET_RULES, KUBERNETES_KINDS, nameByTargetRules } from './target-rules.js';

/** `fingerprint.owner` defaults, used when settings carry none. */
export const DEFAULT_OWNER_SETTINGS: OwnerSettings = {
  maxDepth: 5,
  lookupTimeoutMs: 2000,
  cacheSize: 50_000,
  cacheTtlMs: 300_000,
  negativeCacheTtlMs: 30_000,
  followGroups: ['', 'apps', 'batch'],
  heuristics: true,
};

/** `fingerprint.similarity` defaults, used when settings carry none. */
export const DEFAULT_SIMILARITY_SETTINGS: SimilaritySettings = {
  base: FINGERPRINT_STRATEGY.default,
  mode: SIMILARITY_MODE.enforce,
  numHashes: 128,
  bands: 16,
  jaccardThreshold: 0.8,
  scopeBy: ['signalName', 'namespace'],
  ignoreLabels: ['severity', 'prometheus', 'prometheus_replica', 'alertstate'],
  includeText: false,
  maxCandidates: 20,
  ttlMs: 24 * 3_600_000,
  adaptive: {
    enabled: true,
    minObservations: 100,
    distinctThreshold: 50,
    distinctRatio: 0.5,
    protectedLabels: ['alertname', 'namespace', 'cluster'],
  },
};

/** Workers share volatile-label sets through Redis; each keeps a copy this long, so most signals skip the read. */
const VOLATILE_CACHE_MS = 60_000;
/** A best estimate this far below the threshold counts as a near miss. */
const NEAR_MISS_WINDOW = 0.1;

export const SIMILARITY_RESULT = { matched: 'matched', new: 'new', shadowDiverged: 'shadow_diverged' } as const;
export type SimilarityResult = (typeof SIMILARITY_RESULT)[keyof typeof SIMILARITY_RESULT];

/** One firing signal's similarity decision, for the quality metrics. */
export interface SimilarityDecision {
  /** `shadow_diverged`: shadow mode, and the cluster is not the base fingerprint enforce would have deduped on. */
  result: SimilarityResult;
  /** Best Jaccard estimate, 0 without candidates. */
  score: number;
  nearMiss: boolean;
  /** Distinct base fingerprints in the cluster. */
  members: number;
}

export interface FingerprinterHooks {
  /** Once per signal the owner strategy fingerprints (`gateway_owner_resolution_total{outcome}`). */
  ownerResolved?(outcome: OwnerResolution): void;
  /** Once per firing signal the similarity strategy fingerprints. */
  similarityDecided?(decision: SimilarityDecision): void;
  /** Volatile label keys in this process's cache, over every signal name, whenever the cache changes. */
  volatileLabelKeys?(count: number): void;
}

export interface CreateFingerprinterOptions {
  /** Controller owners through the API; without it every walk falls back to the name heuristics. */
  owners?: OwnerLookup;
  /** Clusters and volatile labels; without it the similarity strategy uses its base strategy. */
  similarity?: SimilarityStore;
  nowMs(): number;
  hooks?: FingerprinterHooks;
}

function withRule(evidence: FingerprintEvidence, index: number | undefined): FingerprintEvidence {
  return index === undefined ? evidence : { ...evidence, rule: index };
}

/**
 * The process's fingerprinter (docs/fingerprints-and-windows.md#strategies). The strategy is the first matching
 * `fingerprint.rules[]` entry's, else `fingerprint.strategy`; resolved signals take the same path, so they find the
 * window of their firing twin. The owner cache lives here, across configuration snapshots; its limits are read from
 * the settings of each call.
 */
export function createFingerprinter(options: CreateFingerprinterOptions): Fingerprinter {
  const resolveOwner = createOwnerResolver({ cache: createOwnerCache(), lookup: options.owners });
  const volatileCache = new Map<string, { keys: Set<string>; fetchedAtMs: number }>();

  function byDefault(
    signal: NormalizedSignal,
    settings: FingerprintSettings,
    rule: FingerprintRuleSettings | undefined,
    ruleIndex: number | undefined,
    fallback?: string,
  ): FingerprintDecision {
    const target = signal.target ?? unknownTarget(signal);
    return {
      fingerprint: defaultFingerprint(signal, settings, rule),
      strategy: FINGERPRINT_STRATEGY.default,
      evidence: withRule(
        {
          identity: { kind: target.kind, name: target.name, scope: target.scope },
          ...(fallback === undefined ? {} : { fallback }),
        },
        ruleIndex,
      ),
    };
  }

  async function byOwner(
    signal: NormalizedSignal,
    settings: FingerprintSettings,
    rule: FingerprintRuleSettings | undefined,
    ruleIndex: number | undefined,
  ): Promise<FingerprintDecision> {
    const target = signal.target ?? unknownTarget(signal);
    const named = nameByTargetRules(
      settings.targetRules ?? DEFAULT_TARGET_RULES,
      signal.signalName,
      target,
      signal.labels,
    );
    let identity = named?.identity ?? { kind: target.kind, name: target.name, scope: target.scope };
    let ownerResolution: OwnerResolution = OWNER_RESOLUTION.none;
    let ownerChain: string[] | undefined;
    if (OWNED_KINDS.has(identity.kind)) {
      const owner = await resolveOwner(
        {
          clusterId: signal.clusterId,
          kind: identity.kind,
          name: identity.name,
          namespace: identity.scope,
          ...(named === undefined && signal.target?.apiVersion ? { apiVersion: signal.target.apiVersion } : {}),
        },
        settings.owner ?? DEFAULT_OWNER_SETTINGS,
        options.nowMs,
      );
      ownerResolution = owner.resolution;
      ownerChain = owner.chain;
      identity = { kind: owner.kind, name: owner.name, scope: identity.scope };
    }
    options.hooks?.ownerResolved?.(ownerResolution);
    // Unknown/unknown stands for every signal without an object: a class would merge unrelated problems there.
    const unknown = identity.kind === 'Unknown';
    const signalClass = unknown
      ? undefined
      : signalClassOf(signal.signalName, settings.signalClasses ?? DEFAULT_SIGNAL_CLASSES);
    let base = `${signalClass ?? signal.signalName}:${identity.scope}:${identity.kind}:${identity.name}`;
    for (const qualifier of named?.qualifiers ?? []) base += `:${qualifier}`;
    base += extraLabelsSuffix(signal, rule);
    const replaced = identity.kind !== target.kind || identity.name !== target.name || identity.scope !== target.scope;
    const evidence: FingerprintEvidence = {
      identity,
      ownerResolution,
      ...(ownerChain === undefined ? {} : { ownerChain }),
      ...(signalClass === undefined ? {} : { signalClass }),
      ...(named === undefined ? {} : { targetRule: named.rule }),
      ...(replaced && KUBERNETES_KINDS.has(identity.kind)
        ? { resource: { kind: identity.kind, name: identity.name, namespace: identity.scope } }
        : {}),
    };
    return {
      fingerprint: hashBase(signal, base, settings),
      strategy: FINGERPRINT_STRATEGY.owner,
      evidence: withRule(evidence, ruleIndex),
    };
  }

  /** `default` or `owner`, with the owner strategy's fallbacks. */
  function byBase(
    strategy: SimilaritySettings['base'],
    signal: NormalizedSignal,
    settings: FingerprintSettings,
    rule: FingerprintRuleSettings | undefined,
    ruleIndex: number | undefined,
  ): FingerprintDecision | Promise<FingerprintDecision> {
    if (strategy === FINGERPRINT_STRATEGY.default) return byDefault(signal, settings, rule, ruleIndex);
    if (signal.fingerprintInput !== null) {
      return byDefault(signal, settings, rule, ruleIndex, 'the source maps its own fingerprint input');
    }
    if (signal.target !== undefined && signal.target.type !== 'kubernetes') {
      return byDefault(signal, settings, rule, ruleIndex, `${signal.target.type} targets have no owners`);
    }
    return byOwner(signal, settings, rule, ruleIndex);
  }

  async function volatileKeysOf(store: SimilarityStore, signalHash: string): Promise<Set<string>> {
    const cached = volatileCache.get(signalHash);
    if (cached !== undefined && options.nowMs() - cached.fetchedAtMs < VOLATILE_CACHE_MS) return cached.keys;
    const keys = new Set(await store.volatileLabelKeys(signalHash));
    volatileCache.set(signalHash, { keys, fetchedAtMs: options.nowMs() });
    reportVolatileKeys();
    return keys;
  }

  function reportVolatileKeys(): void {
    let count = 0;
    for (const { keys } of volatileCache.values()) count += keys.size;
    options.hooks?.volatileLabelKeys?.(count);
  }

  /** Keys whose counts (taken by the match) crossed the thresholds join the signal name's volatile set. */
  async function learnVolatileKeys(
    store: SimilarityStore,
    counts: readonly LabelObservation[],
    similarity: SimilaritySettings,
    signalHash: string,
    known: Set<string>,
  ): Promise<void> {
    const volatile = counts
      .filter((count) => !known.has(count.key) && isVolatileLabel(count, similarity.adaptive))
      .map((count) => count.key);
    if (volatile.length === 0) return;
    await store.addVolatileLabelKeys(signalHash, volatile, similarity.ttlMs);
    for (const key of volatile) known.add(key);
    reportVolatileKeys();
  }

  async function bySimilarity(
    signal: NormalizedSignal,
    settings: FingerprintSettings,
    rule: FingerprintRuleSettings | undefined,
    ruleIndex: number | undefined,
  ): Promise<FingerprintDecision> {
    const similarity = settings.similarity ?? DEFAULT_SIMILARITY_SETTINGS;
    const base = await byBase(similarity.base, signal, settings, rule, ruleIndex);
    const store = options.similarity;
    if (store === undefined) return { ...base, evidence: { ...base.evidence, fallback: 'no similarity store' } };
    const firing = signal.status === 'firing';
    const shadow = similarity.mode === SIMILARITY_MODE.shadow;
    // Shadow mode dedups on the base fingerprint whatever the lookup would say: a resolved signal has nothing to learn.
    if (!firing && shadow) return { ...base, strategy: FINGERPRINT_STRATEGY.similarity };
    const signalHash = shortHash(signal.signalName);
    const volatile = similarity.adaptive.enabled ? await volatileKeysOf(store, signalHash) : new Set<string>();
    const { tokens, maskedLabels } = similarityTokens(signal, similarity, volatile);
    const signature = minHashSignature(tokens, similarity.numHashes);
    const observing = firing && similarity.adaptive.enabled;
    const match = await store.match({
      scope: similarityScope(signal, similarity, settings.clusterScoped),
      bandHashes: lshBandHashes(signature, similarity.bands),
      signature: signatureHex(signature),
      minEqual: Math.ceil(similarity.jaccardThreshold * similarity.numHashes - 1e-9),
      maxCandidates: similarity.maxCandidates,
      ttlMs: similarity.ttlMs,
      baseFingerprint: base.fingerprint,
      readOnly: !firing,
      ...(observing ? { observe: { signalHash, labels: observedLabels(signal, similarity) } } : {}),
    });
    if (observing) await learnVolatileKeys(store, match.observations, similarity, signalHash, volatile);
    const score = match.bestEqual / similarity.numHashes;
    if (firing) {
      const diverged = shadow && match.clusterId !== base.fingerprint;
      options.hooks?.similarityDecided?.({
        result: diverged
          ? SIMILARITY_RESULT.shadowDiverged
          : match.matched
            ? SIMILARITY_RESULT.matched
            : SIMILARITY_RESULT.new,
        score,
        nearMiss: !match.matched && score >= similarity.jaccardThreshold - NEAR_MISS_WINDOW,
        members: match.members ?? 1,
      });
    }
    return {
      fingerprint: shadow ? base.fingerprint : match.clusterId,
      strategy: FINGERPRINT_STRATEGY.similarity,
      evidence: {
        ...base.evidence,
        similarity: { score, clusterId: match.clusterId, maskedLabels, mode: similarity.mode },
      },
    };
  }

  return {
    async fingerprint(signal, settings) {
      const matched = matchingRule(signal, settings);
      const rule = matched?.rule;
      // Evidence names the rule only when the rule chose the strategy.
      const ruleIndex = rule?.strategy === undefined ? undefined : matched?.index;
      const strategy = rule?.strategy ?? settings.strategy;
      if (strategy === FINGERPRINT_STRATEGY.similarity) return bySimilarity(signal, settings, rule, ruleIndex);
      return byBase(strategy, signal, settings, rule, ruleIndex);
    },
  };
}
