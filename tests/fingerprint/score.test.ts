import { seededRandom } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import {
  countEpisodes,
  countPairs,
  EPISODE_GAP_MS,
  formatScoreTable,
  type ScoredLine,
  scoreLines,
  scoreStream,
} from '../../bench/fingerprint/src/score.js';

const MINUTE_MS = 60_000;

function line(
  t: number,
  fingerprint: string,
  truth: string,
  scenario = 's',
  defaultFingerprint = `d-${t}`,
): ScoredLine {
  return { t, fingerprint, defaultFingerprint, truth, scenario };
}

describe('fingerprint evaluation scoring', () => {
  it('splits a fingerprint into episodes only where it was silent for more than ten minutes', () => {
    const lines = [
      line(0, 'a', 'x'),
      line(EPISODE_GAP_MS, 'a', 'x'),
      line(2 * EPISODE_GAP_MS + 1, 'a', 'x'),
      line(5 * MINUTE_MS, 'b', 'y'),
    ];
    expect(countEpisodes(lines, (scored) => scored.fingerprint)).toBe(3);
  });

  it('scores a hand-made stream with known dedup, precision and recall', () => {
    // Incident x: four lines; the strategy splits it over fingerprints a (3 lines) and b (1 line).
    // Incident y: two lines, wrongly merged into a with x's lines.
    // The default strategy gives every line its own fingerprint except x's first two lines.
    const lines = [
      line(0, 'a', 'x', 's', 'd1'),
      line(MINUTE_MS, 'a', 'x', 's', 'd1'),
      line(2 * MINUTE_MS, 'a', 'x', 's', 'd2'),
      line(3 * MINUTE_MS, 'b', 'x', 's', 'd3'),
      line(4 * MINUTE_MS, 'a', 'y', 's', 'd4'),
      line(5 * MINUTE_MS, 'a', 'y', 's', 'd5'),
    ];
    const score = scoreLines('s', lines);
    // Episodes: a 1, b 1 → 1 − 2/6; ideal: x 1, y 1 → 1 − 2/6; default: d1..d5 → 1 − 5/6.
    expect(score.dedup).toBeCloseTo(2 / 3, 12);
    expect(score.idealDedup).toBeCloseTo(2 / 3, 12);
    expect(score.defaultDedup).toBeCloseTo(1 / 6, 12);
    expect(score.recovered).toBeCloseTo(1, 12);
    // Same fingerprint: C(5,2) = 10 pairs, of which both same truth: C(3,2) + C(2,2) = 4.
    // Same truth: C(4,2) + C(2,2) = 7.
    expect(countPairs(lines)).toEqual({ sameFingerprint: 10, sameTruth: 7, both: 4 });
    expect(score.precision).toBeCloseTo(0.4, 12);
    expect(score.recall).toBeCloseTo(4 / 7, 12);
    expect(score.f1).toBeCloseTo((2 * 0.4 * (4 / 7)) / (0.4 + 4 / 7), 12);
    expect(score.incidents).toBe(2);
  });

  it('counts the same pairs from the contingency table as by comparing every pair', () => {
    const random = seededRandom(11);
    const lines = Array.from({ length: 300 }, (_, index) =>
      line(index, `f${Math.floor(random() * 20)}`, `t${Math.floor(random() * 15)}`),
    );
    const expected = { sameFingerprint: 0, sameTruth: 0, both: 0 };
    for (let i = 0; i < lines.length; i++) {
      for (let j = i + 1; j < lines.length; j++) {
        const [a, b] = [lines[i] as ScoredLine, lines[j] as ScoredLine];
        const sameFingerprint = a.fingerprint === b.fingerprint;
        const sameTruth = a.truth === b.truth;
        if (sameFingerprint) expected.sameFingerprint++;
        if (sameTruth) expected.sameTruth++;
        if (sameFingerprint && sameTruth) expected.both++;
      }
    }
    expect(countPairs(lines)).toEqual(expected);
  });

  it('counts the pairs of 100k lines without comparing pairs', () => {
    const lines = Array.from({ length: 100_000 }, (_, index) =>
      line(index * 1_000, `f${index % 5_000}`, `t${index % 2_500}`),
    );
    // 5 000 fingerprints of 20 lines, 2 500 truths of 40 lines; each fingerprint lies within one truth.
    expect(countPairs(lines)).toEqual({ sameFingerprint: 5_000 * 190, sameTruth: 2_500 * 780, both: 5_000 * 190 });
  });

  it('scores each scenario on its own and the whole stream last, with n/a where there is no gap to recover', () => {
    const lines = [line(0, 'a', 'x', 'one', 'a'), line(MINUTE_MS, 'a', 'x', 'one', 'a'), line(0, 'b', 'y', 'two', 'b')];
    const scores = scoreStream(lines);
    expect(scores.map((score) => [score.scenario, score.firingLines, score.recovered])).toEqual([
      ['one', 2, null],
      ['two', 1, null],
      ['all', 3, null],
    ]);
    const table = formatScoreTable(scores).split('\n');
    expect(table[0]).toMatch(/^\| scenario \| lines \| incidents \| dedup \| default \| ideal \| recovered \|/);
    expect(table[2]).toMatch(/^\| one +\| 2 +\| 1 +\| 0\.500 \| 0\.500 +\| 0\.500 \| n\/a +\| 1\.000 /);
    expect(table).toHaveLength(5);
  });
});
