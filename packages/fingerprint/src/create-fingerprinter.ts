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
} from './fingerprinter.js';
import { createOwnerCache } from './owner-cache.js';
import { createOwnerResolver, OWNED_KINDS } from './owner-resolver.js';
import { DEFAULT_SIGNAL_CLASSES, signalClassOf } from './signal-classes.js';
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

export interface FingerprinterHooks {
  /** Once per signal the owner strategy fingerprints (`gateway_owner_resolution_total{outcome}`). */
  ownerResolved?(outcome: OwnerResolution): void;
}

export interface CreateFingerprinterOptions {
  /** Controller owners through the API; without it every walk falls back to the name heuristics. */
  owners?: OwnerLookup;
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

  return {
    async fingerprint(signal, settings) {
      const matched = matchingRule(signal, settings);
      const rule = matched?.rule;
      // Evidence names the rule only when the rule chose the strategy.
      const ruleIndex = rule?.strategy === undefined ? undefined : matched?.index;
      const strategy = rule?.strategy ?? settings.strategy;
      if (strategy === FINGERPRINT_STRATEGY.default) return byDefault(signal, settings, rule, ruleIndex);
      if (signal.fingerprintInput !== null) {
        return byDefault(signal, settings, rule, ruleIndex, 'the source maps its own fingerprint input');
      }
      if (signal.target !== undefined && signal.target.type !== 'kubernetes') {
        return byDefault(signal, settings, rule, ruleIndex, `${signal.target.type} targets have no owners`);
      }
      if (strategy === FINGERPRINT_STRATEGY.owner) return byOwner(signal, settings, rule, ruleIndex);
      throw new Error(`fingerprint strategy ${strategy} is not built in this version`);
    },
  };
}
