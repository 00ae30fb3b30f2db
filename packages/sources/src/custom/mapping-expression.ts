import jsonata from 'jsonata';
import { LinearRegExp } from '../regex/linear-regexp.js';
import { expressionSafetyProblems } from './expression-safety.js';

/** 50 ms and depth 200 per evaluation; JSONata checks both before every evaluation step. */
export const EVALUATION_TIMEOUT_MS = 50;
export const EVALUATION_MAX_DEPTH = 200;
/**
 * JSONata builds ranges and sequences in native loops that the time box cannot interrupt (`[1..9999999]` alone
 * takes about a second), so their length is capped as well; no body within the size limit needs more items.
 */
export const EVALUATION_MAX_SEQUENCE = 100_000;

export type EvaluationResult = { ok: true; value: unknown } | { ok: false; message: string };

/** One compiled mapping expression, named by its key (`signalName`, `target.kind`…) for error messages. */
export interface MappingExpression {
  key: string;
  evaluate(input: unknown, bindings: Readonly<Record<string, unknown>>): Promise<EvaluationResult>;
}

interface JsonataError {
  code?: string;
  position?: number;
  message?: string;
}

/**
 * Compiles once, when the configuration is validated. Expressions get no functions beyond JSONata's own and
 * no bindings beyond those passed per evaluation, so they cannot reach the environment, files or network;
 * `$eval`, the one built-in that would run payload text as code, is refused by the static check.
 */
export function compileMappingExpression(key: string, text: string): MappingExpression | { problem: string } {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(text, {
      timeout: EVALUATION_TIMEOUT_MS,
      stack: EVALUATION_MAX_DEPTH,
      sequence: EVALUATION_MAX_SEQUENCE,
      // Regex literals match payload text: a backtracking engine would run inside one native call that the
      // time box cannot interrupt, RE2 runs in time linear in the text.
      RegexEngine: LinearRegExp as unknown as RegExpConstructor,
    });
  } catch (error) {
    const { position, message } = error as JsonataError;
    return { problem: `invalid JSONata at position ${position ?? 0}: ${message ?? String(error)}` };
  }
  const unsafe = expressionSafetyProblems(expression.ast());
  if (unsafe.length > 0) return { problem: unsafe.join('; ') };
  return {
    key,
    async evaluate(input, bindings) {
      try {
        return { ok: true, value: await expression.evaluate(input, bindings) };
      } catch (error) {
        return { ok: false, message: `mapping.${key}: ${evaluationFailure(error)}` };
      }
    },
  };
}

function evaluationFailure(error: unknown): string {
  const { code, message } = error as JsonataError;
  if (code === 'D1012') return `evaluation exceeded ${EVALUATION_TIMEOUT_MS} ms`;
  if (code === 'D1011') return `evaluation exceeded depth ${EVALUATION_MAX_DEPTH}`;
  if (code === 'D2014' || code === 'D2015') return `evaluation exceeded ${EVALUATION_MAX_SEQUENCE} items in a sequence`;
  return `evaluation failed: ${message ?? String(error)}`;
}
