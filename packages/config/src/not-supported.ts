import { z } from 'zod';
import { isPlainObject } from './object-path.js';
import { reject } from './rules.js';

/**
 * Upcoming work that brings each refused key. A key whose feature is not built is refused at startup rather than
 * accepted and ignored: an operator who sets it would otherwise believe the gateway does something it does not.
 */
export const UPCOMING_WORK = {
  multiCluster: 'the multi-cluster work (per-cluster routing)',
  redisDurability: 'the Redis durability work (WAIT for replicas)',
  tokenReview: 'the Kubernetes TokenReview authentication work',
} as const;
export type UpcomingWork = keyof typeof UPCOMING_WORK;

/** Shared by every refusal so operators, the README and the settings test recognise it. */
export const NOT_SUPPORTED_RULE = 'is not supported in this version';

function notSupportedRule(work: UpcomingWork | undefined): string {
  return work === undefined ? NOT_SUPPORTED_RULE : `${NOT_SUPPORTED_RULE}; ${UPCOMING_WORK[work]} brings it`;
}

/** Leaf paths under a refused value, so the problem names the key the operator wrote (`reload.watch`, not `reload`). */
function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (!isPlainObject(value) || Object.keys(value).length === 0) return [path];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, [...path, key]));
}

export interface NotSupportedOptions {
  /** What to do instead; defaults to removing the key. */
  suggestion?: string;
}

/** A key that must stay unset: any value, even an empty section, is refused with the work that brings it. */
export function notSupported(work: UpcomingWork | undefined, options: NotSupportedOptions = {}) {
  const suggestion = options.suggestion ?? 'remove it';
  return z
    .unknown()
    .optional()
    .check((ctx) => {
      if (ctx.value === undefined) return;
      for (const path of leafPaths(ctx.value)) reject(ctx, notSupportedRule(work), suggestion, { path });
    });
}

/** A key whose only built value is its default (`fingerprint.strategy: default`); the others are refused. */
export function onlyDefaultSupported<const T extends readonly [string, ...string[]]>(
  values: T,
  defaultValue: T[number],
  work: UpcomingWork,
) {
  return z
    .enum(values)
    .prefault(defaultValue)
    .check((ctx) => {
      if (ctx.value !== defaultValue) reject(ctx, notSupportedRule(work), `remove it or set ${defaultValue}`);
    });
}
