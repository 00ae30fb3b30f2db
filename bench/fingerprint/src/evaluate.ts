import type { Fingerprinter, FingerprintSettings } from '@gateway/fingerprint';
import type { ScoredLine } from './score.js';
import type { SourceReplay } from './source-replay.js';
import { type StreamLine, StreamLineSchema } from './stream-line.js';

/** The line being evaluated: the fingerprinter's clock and the cluster the owner lookups answer for. */
export interface CurrentLine {
  t: number;
  clusterId: string;
}

export interface EvaluationOutput {
  firing(lineIndex: number, fingerprint: string): void | Promise<void>;
  rejected(lineIndex: number, message: string): void;
}

export interface EvaluationDeps {
  replay: SourceReplay;
  fingerprinter: Fingerprinter;
  settings: FingerprintSettings;
  /** Present when scoring: the same signals also go through the default strategy, the baseline. */
  defaultSettings?: FingerprintSettings;
  current: CurrentLine;
  output: EvaluationOutput;
}

export interface EvaluationResult {
  lines: number;
  firing: number;
  rejected: number;
  /** Firing lines left out of scoring because they carry no `truth` or `scenario`. */
  unlabelled: number;
  scored: ScoredLine[];
}

/** The default strategy with no rules: Kubernaut's formula on every signal, whatever the configuration chooses. */
export function defaultStrategyOf(settings: FingerprintSettings): FingerprintSettings {
  return { ...settings, strategy: 'default', rules: [] };
}

function readLine(text: string): StreamLine | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not a JSON object';
  }
  const parsed = StreamLineSchema.safeParse(json);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`).join('; ');
  }
  const line = parsed.data;
  if (line.source === 'alertmanager' && line.alert === undefined) return 'alert: required for source alertmanager';
  if (line.source === 'kubernetes-event' && line.event === undefined)
    return 'event: required for source kubernetes-event';
  return line;
}

/**
 * Replays the stream line by line, in order and one signal at a time, because owner lookups and the clock answer for
 * the line being evaluated. Blank lines keep their index but are otherwise skipped.
 */
export async function evaluateStream(texts: AsyncIterable<string>, deps: EvaluationDeps): Promise<EvaluationResult> {
  const result: EvaluationResult = { lines: 0, firing: 0, rejected: 0, unlabelled: 0, scored: [] };
  let lineIndex = -1;
  for await (const text of texts) {
    lineIndex++;
    result.lines++;
    if (text.trim() === '') continue;
    const line = readLine(text);
    if (typeof line === 'string') {
      result.rejected++;
      deps.output.rejected(lineIndex, line);
      continue;
    }
    deps.current.t = line.t;
    deps.current.clusterId = line.clusterId;
    const { signals, rejections } = await deps.replay.signalsOf(line, lineIndex);
    if (rejections.length > 0) result.rejected++;
    for (const message of rejections) deps.output.rejected(lineIndex, message);
    for (const signal of signals) {
      if (signal.status !== 'firing') continue;
      const decision = await deps.fingerprinter.fingerprint(signal, deps.settings);
      result.firing++;
      await deps.output.firing(lineIndex, decision.fingerprint);
      if (deps.defaultSettings === undefined) continue;
      if (line.truth === undefined || line.scenario === undefined) {
        result.unlabelled++;
        continue;
      }
      const baseline = await deps.fingerprinter.fingerprint(signal, deps.defaultSettings);
      result.scored.push({
        t: line.t,
        fingerprint: decision.fingerprint,
        defaultFingerprint: baseline.fingerprint,
        truth: line.truth,
        scenario: line.scenario,
      });
    }
  }
  return result;
}
