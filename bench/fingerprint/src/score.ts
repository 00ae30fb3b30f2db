/** A firing signal as scoring sees it. */
export interface ScoredLine {
  /** Epoch milliseconds received. */
  t: number;
  /** Of the configured strategy. */
  fingerprint: string;
  /** Of the default strategy on the same signal: the baseline the configured one is measured against. */
  defaultFingerprint: string;
  /** Incident id. */
  truth: string;
  scenario: string;
}

/** A fingerprint silent for longer than this starts a new episode: the way dedup windows close in practice. */
export const EPISODE_GAP_MS = 10 * 60_000;

export interface Score {
  scenario: string;
  firingLines: number;
  incidents: number;
  dedup: number;
  defaultDedup: number;
  idealDedup: number;
  /** Share of the gap between the default strategy and a perfect answer closed; null when there is no gap. */
  recovered: number | null;
  precision: number;
  recall: number;
  f1: number;
}

type KeyOf = (line: ScoredLine) => string;

/** Episodes summed over keys: a key's lines in time order, split wherever it was silent for more than the gap. */
export function countEpisodes(lines: readonly ScoredLine[], keyOf: KeyOf): number {
  const timesByKey = new Map<string, number[]>();
  for (const line of lines) {
    const key = keyOf(line);
    const times = timesByKey.get(key);
    if (times === undefined) timesByKey.set(key, [line.t]);
    else times.push(line.t);
  }
  let episodes = 0;
  for (const times of timesByKey.values()) {
    times.sort((a, b) => a - b);
    let previous = Number.NEGATIVE_INFINITY;
    for (const t of times) {
      if (t - previous > EPISODE_GAP_MS) episodes++;
      previous = t;
    }
  }
  return episodes;
}

/** 1 − episodes ÷ firing lines. */
export function dedupRate(lines: readonly ScoredLine[], keyOf: KeyOf): number {
  return lines.length === 0 ? 0 : 1 - countEpisodes(lines, keyOf) / lines.length;
}

const pairsOf = (n: number): number => (n * (n - 1)) / 2;

function sumOfPairs(counts: Map<string, number>): number {
  let pairs = 0;
  for (const n of counts.values()) pairs += pairsOf(n);
  return pairs;
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

export interface PairCounts {
  /** Pairs of lines with the same fingerprint (merged by the strategy). */
  sameFingerprint: number;
  /** Pairs of lines of the same incident. */
  sameTruth: number;
  /** Pairs both merged and of one incident. */
  both: number;
}

/**
 * Pair counts from the contingency table fingerprint × truth (Σ C(n, 2) over its cells, rows and columns), so 100k
 * lines cost one pass and a few maps instead of 5·10⁹ pairs.
 */
export function countPairs(lines: readonly ScoredLine[]): PairCounts {
  const byFingerprint = new Map<string, number>();
  const byTruth = new Map<string, number>();
  const byCell = new Map<string, number>();
  for (const line of lines) {
    increment(byFingerprint, line.fingerprint);
    increment(byTruth, line.truth);
    increment(byCell, `${line.fingerprint}\u0000${line.truth}`);
  }
  return { sameFingerprint: sumOfPairs(byFingerprint), sameTruth: sumOfPairs(byTruth), both: sumOfPairs(byCell) };
}

const byFingerprint: KeyOf = (line) => line.fingerprint;
const byDefaultFingerprint: KeyOf = (line) => line.defaultFingerprint;
const byTruth: KeyOf = (line) => line.truth;

/** Scores one set of lines; a strategy that merges nothing has precision 1, one that misses nothing recall 1. */
export function scoreLines(scenario: string, lines: readonly ScoredLine[]): Score {
  const dedup = dedupRate(lines, byFingerprint);
  const defaultDedup = dedupRate(lines, byDefaultFingerprint);
  const idealDedup = dedupRate(lines, byTruth);
  const gap = idealDedup - defaultDedup;
  const pairs = countPairs(lines);
  const precision = pairs.sameFingerprint === 0 ? 1 : pairs.both / pairs.sameFingerprint;
  const recall = pairs.sameTruth === 0 ? 1 : pairs.both / pairs.sameTruth;
  return {
    scenario,
    firingLines: lines.length,
    incidents: new Set(lines.map(byTruth)).size,
    dedup,
    defaultDedup,
    idealDedup,
    recovered: gap === 0 ? null : (dedup - defaultDedup) / gap,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
  };
}

export const POOLED_SCENARIO = 'all';

/** One score per scenario (sorted by name), then the pooled score of the whole stream. */
export function scoreStream(lines: readonly ScoredLine[]): Score[] {
  const byScenario = new Map<string, ScoredLine[]>();
  for (const line of lines) {
    const members = byScenario.get(line.scenario);
    if (members === undefined) byScenario.set(line.scenario, [line]);
    else members.push(line);
  }
  const scenarios = [...byScenario.keys()].sort();
  return [
    ...scenarios.map((scenario) => scoreLines(scenario, byScenario.get(scenario) ?? [])),
    scoreLines(POOLED_SCENARIO, lines),
  ];
}

const COLUMNS = [
  'scenario',
  'lines',
  'incidents',
  'dedup',
  'default',
  'ideal',
  'recovered',
  'precision',
  'recall',
  'F1',
];

const ratio = (value: number): string => value.toFixed(3);

/** A Markdown table, so the figures paste into docs as they are. */
export function formatScoreTable(scores: readonly Score[]): string {
  const rows = scores.map((score) => [
    score.scenario,
    String(score.firingLines),
    String(score.incidents),
    ratio(score.dedup),
    ratio(score.defaultDedup),
    ratio(score.idealDedup),
    score.recovered === null ? 'n/a' : ratio(score.recovered),
    ratio(score.precision),
    ratio(score.recall),
    ratio(score.f1),
  ]);
  const widths = COLUMNS.map((column, index) => Math.max(column.length, ...rows.map((row) => row[index]?.length ?? 0)));
  const render = (cells: readonly string[]): string =>
    `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' | ')} |`;
  return [render(COLUMNS), render(widths.map((width) => '-'.repeat(width))), ...rows.map(render)].join('\n');
}
