import {
  type ObjectRef,
  OWNER_RESOLUTION,
  type OwnerLookup,
  OwnerLookupUnavailable,
  type OwnerResolution,
  type OwnerSettings,
} from './fingerprinter.js';
import type { CachedAnswer, OwnerCache } from './owner-cache.js';
import { ownerFromName, statefulSetPodsOfClaim } from './owner-heuristics.js';

const CLAIM_KIND = 'PersistentVolumeClaim';

/**
 * Kinds a controller creates and owns: the walk starts only from these. A StatefulSet makes a claim from its volume
 * claim template for one of its pods, not as its controller, so a claim is walked through the pod it was made for.
 */
export const OWNED_KINDS: ReadonlySet<string> = new Set(['Pod', 'ReplicaSet', 'Job', CLAIM_KIND]);

/** API versions of the kinds the walk starts from and the heuristics name, when the signal does not say. */
const API_VERSION_OF_KIND: Readonly<Record<string, string>> = {
  Pod: 'v1',
  PersistentVolumeClaim: 'v1',
  ReplicaSet: 'apps/v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
};

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '');

export interface ResolvedOwner {
  kind: string;
  name: string;
  /** `Kind/name`, the signal's object first. */
  chain: string[];
  resolution: OwnerResolution;
}

export interface OwnerResolverDeps {
  cache: OwnerCache;
  lookup: OwnerLookup | undefined;
}

/** One lookup per object at a time: the signals of one crash-looping pod share the request. */
type InFlight = Map<string, Promise<CachedAnswer>>;

async function askApi(
  lookup: OwnerLookup | undefined,
  ref: ObjectRef,
  nowMs: number,
  timeoutMs: number,
): Promise<CachedAnswer> {
  if (!lookup) return { unavailable: 'no-client' };
  let timer: NodeJS.Timeout | undefined;
  // The lookup is expected to cancel its own request at the timeout; this bound holds even when it does not.
  const timedOut = new Promise<CachedAnswer>((resolve) => {
    timer = setTimeout(() => resolve({ unavailable: 'timeout' }), timeoutMs);
  });
  const asked = lookup.controllerOf(ref, nowMs, { timeoutMs }).then(
    (owner): CachedAnswer => ({ owner }),
    (error: unknown): CachedAnswer => ({
      unavailable: error instanceof OwnerLookupUnavailable ? error.reason : 'error',
    }),
  );
  try {
    return await Promise.race([asked, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Walks controller owner references from `start` (docs/fingerprints-and-windows.md#the-owner-strategy): each step
 * asks the cache, then the API, for the current object's controller and moves to it while its API group is
 * followed, at most `maxDepth` steps. When the API cannot answer for an object (missing, forbidden, timed out, open
 * breaker, no client), its generated name is parsed instead, if `heuristics` allows, and the walk ends there.
 */
export function createOwnerResolver(deps: OwnerResolverDeps) {
  const inFlight: InFlight = new Map();

  async function answerFor(
    ref: ObjectRef,
    key: string,
    settings: OwnerSettings,
    nowMs: () => number,
  ): Promise<{ answer: CachedAnswer; fromCache: boolean }> {
    const cached = deps.cache.get(ref.clusterId, key, nowMs());
    if (cached) return { answer: cached, fromCache: true };
    const flightKey = `${ref.clusterId}\u0000${key}`;
    let pending = inFlight.get(flightKey);
    if (!pending) {
      pending = askApi(deps.lookup, ref, nowMs(), settings.lookupTimeoutMs).then((answer) => {
        deps.cache.set(ref.clusterId, key, answer, nowMs(), {
          size: settings.cacheSize,
          ttlMs: settings.cacheTtlMs,
          negativeTtlMs: settings.negativeCacheTtlMs,
        });
        return answer;
      });
      inFlight.set(flightKey, pending);
      void pending.finally(() => inFlight.delete(flightKey));
    }
    return { answer: await pending, fromCache: false };
  }

  /**
   * The StatefulSet whose pod a claim was made for: the first candidate pod (by the claim's name) that the API says
   * exists and is controlled by the StatefulSet its name says. Only when the API could not answer for a candidate
   * (rather than answering that it does not exist) does the most likely candidate stand in, if `heuristics` allows.
   */
  async function claimOwner(
    start: { clusterId: string; name: string; namespace: string },
    settings: OwnerSettings,
    nowMs: () => number,
  ): Promise<{ owner?: { pod: string; statefulSet: string }; fromCache: boolean; guessed: boolean }> {
    const candidates = statefulSetPodsOfClaim(start.name);
    let fromCache = true;
    let unavailable = false;
    for (const candidate of candidates) {
      const ref: ObjectRef = {
        clusterId: start.clusterId,
        kind: 'Pod',
        namespace: start.namespace,
        name: candidate.pod,
        apiVersion: 'v1',
      };
      const looked = await answerFor(ref, `v1/Pod/${start.namespace}/${candidate.pod}`, settings, nowMs);
      fromCache &&= looked.fromCache;
      const { answer } = looked;
      if ('unavailable' in answer) {
        unavailable ||= answer.unavailable !== 'not-found';
        continue;
      }
      const { owner } = answer;
      if (
        owner?.kind === 'StatefulSet' &&
        owner.name === candidate.statefulSet &&
        settings.followGroups.includes(groupOf(owner.apiVersion))
      ) {
        return { owner: candidate, fromCache, guessed: false };
      }
    }
    const likeliest = candidates[0];
    if (unavailable && settings.heuristics && likeliest !== undefined && settings.followGroups.includes('apps')) {
      return { owner: likeliest, fromCache, guessed: true };
    }
    return { fromCache, guessed: false };
  }

  return async function resolveOwner(
    start: { clusterId: string; kind: string; name: string; namespace: string; apiVersion?: string },
    settings: OwnerSettings,
    nowMs: () => number,
  ): Promise<ResolvedOwner> {
    const followed = (apiVersion: string): boolean => settings.followGroups.includes(groupOf(apiVersion));
    let current = {
      kind: start.kind,
      name: start.name,
      apiVersion: start.apiVersion ?? API_VERSION_OF_KIND[start.kind],
    };
    const chain = [`${start.kind}/${start.name}`];
    let usedApi = false;
    let usedCache = false;
    let usedHeuristic = false;
    let unanswered = false;
    let firstDepth = 0;
    if (start.kind === CLAIM_KIND) {
      const claim = await claimOwner(start, settings, nowMs);
      if (claim.owner === undefined) {
        return { kind: start.kind, name: start.name, chain, resolution: OWNER_RESOLUTION.none };
      }
      current = { kind: 'StatefulSet', name: claim.owner.statefulSet, apiVersion: 'apps/v1' };
      chain.push(`Pod/${claim.owner.pod}`, `StatefulSet/${claim.owner.statefulSet}`);
      if (claim.guessed) {
        return { kind: current.kind, name: current.name, chain, resolution: OWNER_RESOLUTION.heuristic };
      }
      if (claim.fromCache) usedCache = true;
      else usedApi = true;
      // The pod's answer was the first step of the walk.
      firstDepth = 1;
    }
    for (let depth = firstDepth; depth < settings.maxDepth; depth++) {
      const ref: ObjectRef = {
        clusterId: start.clusterId,
        kind: current.kind,
        namespace: start.namespace,
        name: current.name,
        ...(current.apiVersion === undefined ? {} : { apiVersion: current.apiVersion }),
      };
      const key = `${current.apiVersion ?? ''}/${current.kind}/${start.namespace}/${current.name}`;
      const { answer, fromCache } = await answerFor(ref, key, settings, nowMs);
      if (fromCache) usedCache = true;
      else usedApi = true;
      if ('unavailable' in answer) {
        const guessed = settings.heuristics ? ownerFromName(current.kind, current.name) : undefined;
        const apiVersion = guessed ? API_VERSION_OF_KIND[guessed.kind] : undefined;
        if (guessed && apiVersion !== undefined && followed(apiVersion)) {
          current = { ...guessed, apiVersion };
          chain.push(`${guessed.kind}/${guessed.name}`);
          usedHeuristic = true;
        } else unanswered = chain.length === 1;
        break;
      }
      const { owner } = answer;
      if (owner === null || !followed(owner.apiVersion)) break;
      current = { kind: owner.kind, name: owner.name, apiVersion: owner.apiVersion };
      chain.push(`${owner.kind}/${owner.name}`);
    }
    // An object the API could not answer for and whose name says nothing was not resolved at all.
    const resolution = unanswered
      ? OWNER_RESOLUTION.none
      : usedHeuristic
        ? OWNER_RESOLUTION.heuristic
        : usedApi
          ? OWNER_RESOLUTION.api
          : usedCache
            ? OWNER_RESOLUTION.cache
            : OWNER_RESOLUTION.none;
    return { kind: current.kind, name: current.name, chain, resolution };
  };
}
