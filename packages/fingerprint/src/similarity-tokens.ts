import { createHash } from 'node:crypto';
import type { NormalizedSignal } from '@gateway/contracts';
import { unknownTarget } from './default-fingerprint.js';
import type { AdaptiveMaskingSettings, SimilaritySettings } from './fingerprinter.js';
import { maskValue } from './similarity-masking.js';

/** What a volatile label's values all become. */
export const VOLATILE_VALUE = '<*>';
const MIN_WORD_CHARS = 3;
const TEXT_ANNOTATIONS = ['summary', 'description'] as const;
const WORD_SEPARATORS = /[\s,;()"'[\]{}]+/;
const SENTENCE_PUNCTUATION = new Set(['.', ':', '!', '?']);

/** Without a regex: `[.:!?]+$` rescans a long run of dots from every position in it. */
function trimPunctuation(word: string): string {
  let start = 0;
  let end = word.length;
  while (start < end && SENTENCE_PUNCTUATION.has(word.charAt(start))) start++;
  while (end > start && SENTENCE_PUNCTUATION.has(word.charAt(end - 1))) end--;
  return word.slice(start, end);
}

/** First 16 hex of SHA-256: names scopes and signal names inside Redis keys. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** Signals are compared only with signals of equal `scopeBy` values (and cluster, when dedup is per cluster). */
export function similarityScope(
  signal: NormalizedSignal,
  settings: Pick<SimilaritySettings, 'scopeBy'>,
  clusterScoped: boolean,
): string {
  const values = settings.scopeBy.map((field) => {
    if (field === 'signalName') return signal.signalName;
    if (field === 'namespace') return signal.namespace;
    if (field === 'source') return signal.source;
    return signal.labels[field] ?? '';
  });
  if (clusterScoped && signal.clusterId) values.unshift(signal.clusterId);
  return shortHash(values.join('\u0000'));
}

export interface SimilarityTokens {
  tokens: Set<string>;
  /** Label keys whose value masking or volatility replaced, sorted. */
  maskedLabels: string[];
}

/** `k:<kind>`, `n:<masked name>`, `l:<key>=<masked value>` per label kept, `w:<word>` per text word when enabled. */
export function similarityTokens(
  signal: NormalizedSignal,
  settings: Pick<SimilaritySettings, 'ignoreLabels' | 'includeText'>,
  volatileKeys: ReadonlySet<string>,
): SimilarityTokens {
  const target = signal.target ?? unknownTarget(signal);
  const tokens = new Set([`k:${target.kind}`, `n:${maskValue(target.name)}`]);
  const maskedLabels: string[] = [];
  for (const [key, value] of Object.entries(signal.labels)) {
    if (settings.ignoreLabels.includes(key)) continue;
    const masked = volatileKeys.has(key) ? VOLATILE_VALUE : maskValue(value);
    if (masked !== value.toLowerCase()) maskedLabels.push(key);
    tokens.add(`l:${key}=${masked}`);
  }
  if (settings.includeText) {
    for (const annotation of TEXT_ANNOTATIONS) {
      for (const word of (signal.annotations[annotation] ?? '').split(WORD_SEPARATORS)) {
        const masked = maskValue(trimPunctuation(word));
        if (masked.length >= MIN_WORD_CHARS) tokens.add(`w:${masked}`);
      }
    }
  }
  return { tokens, maskedLabels: maskedLabels.sort() };
}

/** Label keys whose values adaptive masking counts: neither ignored nor protected. */
export function observedLabels(
  signal: NormalizedSignal,
  settings: Pick<SimilaritySettings, 'ignoreLabels'> & { adaptive: Pick<AdaptiveMaskingSettings, 'protectedLabels'> },
): [string, string][] {
  return Object.entries(signal.labels).filter(
    ([key]) => !settings.ignoreLabels.includes(key) && !settings.adaptive.protectedLabels.includes(key),
  );
}

/** A label key takes a new value on (nearly) every firing: its values say nothing about which problem it is. */
export function isVolatileLabel(
  counts: { observations: number; distinct: number },
  settings: Pick<AdaptiveMaskingSettings, 'minObservations' | 'distinctThreshold' | 'distinctRatio'>,
): boolean {
  return (
    counts.observations >= settings.minObservations &&
    counts.distinct >= settings.distinctThreshold &&
    counts.distinct / counts.observations >= settings.distinctRatio
  );
}
