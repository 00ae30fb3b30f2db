import { sampleSignal } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIMILARITY_SETTINGS } from './create-fingerprinter.js';
import { lshBandHashes, minHashSignature, signatureHex } from './minhash.js';
import { isVolatileLabel, observedLabels, similarityScope, similarityTokens } from './similarity-tokens.js';

const alert = (labels: Record<string, string>, annotations: Record<string, string> = {}) =>
  sampleSignal(1, {
    signalName: 'TargetDown',
    target: undefined,
    labels: { alertname: 'TargetDown', ...labels },
    annotations,
  });

const jaccard = (a: Set<string>, b: Set<string>) => [...a].filter((x) => b.has(x)).length / new Set([...a, ...b]).size;

describe('similarityTokens', () => {
  it('masks label values and the target name, skipping ignored labels', () => {
    const { tokens, maskedLabels } = similarityTokens(
      sampleSignal(1, {
        target: { type: 'kubernetes', kind: 'Pod', name: 'web-5d4b9cz7fk-x2x9z', namespace: 'prod', scope: 'prod' },
        labels: { alertname: 'KubePodCrashLooping', instance: '10.0.0.1:9100', severity: 'critical', job: 'kubelet' },
      }),
      DEFAULT_SIMILARITY_SETTINGS,
      new Set(),
    );
    expect([...tokens].sort()).toEqual([
      'k:Pod',
      'l:alertname=kubepodcrashlooping',
      'l:instance=<ip>',
      'l:job=kubelet',
      'n:web-<rs>-<pod>',
    ]);
    expect(maskedLabels).toEqual(['instance']);
  });

  it('replaces every value of a volatile label key with <*>', () => {
    const { tokens, maskedLabels } = similarityTokens(
      alert({ request: 'abc' }),
      DEFAULT_SIMILARITY_SETTINGS,
      new Set(['request']),
    );
    expect(tokens).toContain('l:request=<*>');
    expect(maskedLabels).toEqual(['request']);
  });

  it('adds masked words of the summary and description only with includeText', () => {
    const signal = alert({}, { summary: 'Disk /dev/sda1 at 91% on node-7.', description: 'It is full!' });
    const without = similarityTokens(signal, DEFAULT_SIMILARITY_SETTINGS, new Set()).tokens;
    expect([...without].filter((token) => token.startsWith('w:'))).toEqual([]);
    const withText = similarityTokens(signal, { ...DEFAULT_SIMILARITY_SETTINGS, includeText: true }, new Set()).tokens;
    expect([...withText].filter((token) => token.startsWith('w:')).sort()).toEqual([
      'w:/dev/sda<n>',
      'w:<n>%',
      'w:disk',
      'w:full',
      'w:node-<n>',
    ]);
  });
});

describe('similarityScope', () => {
  it('separates signal names, namespaces and, when dedup is per cluster, clusters', () => {
    const settings = DEFAULT_SIMILARITY_SETTINGS;
    const base = sampleSignal(1, { clusterId: 'east' });
    expect(similarityScope(base, settings, false)).toBe(similarityScope(sampleSignal(2), settings, false));
    expect(similarityScope(base, settings, false)).not.toBe(
      similarityScope({ ...base, namespace: 'dev' }, settings, false),
    );
    expect(similarityScope(base, settings, true)).not.toBe(
      similarityScope({ ...base, clusterId: 'west' }, settings, true),
    );
    expect(similarityScope(base, { scopeBy: ['job'] }, false)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('minHashSignature', () => {
  it('is deterministic and estimates the Jaccard similarity of two token sets', () => {
    const a = new Set(Array.from({ length: 40 }, (_, i) => `l:k${i}=v`));
    const b = new Set([...[...a].slice(0, 36), 'x1', 'x2', 'x3', 'x4']);
    const sigA = minHashSignature(a, 256);
    expect(signatureHex(sigA)).toBe(signatureHex(minHashSignature(new Set([...a].reverse()), 256)));
    const equal = sigA.filter((value, i) => value === minHashSignature(b, 256)[i]).length;
    expect(Math.abs(equal / 256 - jaccard(a, b))).toBeLessThan(0.1);
  });

  it('cuts the signature into equal bands whose hashes agree exactly where the rows do', () => {
    const signature = minHashSignature(['k:Pod', 'n:web'], 128);
    const bands = lshBandHashes(signature, 16);
    expect(bands).toHaveLength(16);
    for (const band of bands) expect(band).toMatch(/^[0-9a-f]{16}$/);
    const changed = signature.slice();
    changed[127] = 0;
    const changedBands = lshBandHashes(changed, 16);
    expect(changedBands.slice(0, 15)).toEqual(bands.slice(0, 15));
    expect(changedBands[15]).not.toBe(bands[15]);
  });
});

describe('isVolatileLabel', () => {
  const adaptive = DEFAULT_SIMILARITY_SETTINGS.adaptive;
  it.each([
    [{ observations: 99, distinct: 99 }, false, 'too few observations'],
    [{ observations: 100, distinct: 49 }, false, 'too few distinct values'],
    [{ observations: 200, distinct: 99 }, false, 'distinct ratio below 0.5'],
    [{ observations: 100, distinct: 50 }, true, 'every threshold met'],
    [{ observations: 200, distinct: 100 }, true, 'ratio exactly 0.5'],
  ])('judges %j as %s (%s)', (counts, expected) => {
    expect(isVolatileLabel(counts, adaptive)).toBe(expected);
  });

  it('never observes ignored or protected labels', () => {
    const keys = observedLabels(
      alert({ namespace: 'prod', cluster: 'east', severity: 'warning', instance: 'a' }),
      DEFAULT_SIMILARITY_SETTINGS,
    ).map(([key]) => key);
    expect(keys).toEqual(['instance']);
  });
});
