import jsonata from 'jsonata';
import { LinearRegExp } from '../regex/linear-regexp.js';
import { expressionSafetyProblems } from './expression-safety.js';

/**
 * Evaluation steps per evaluation: the budget that stops a runaway mapping. It counts work, not time, so a
 * mapping that passes on a quiet pod also passes on a busy one (JSONata evaluates asynchronously, and a
 * wall-clock budget would also charge it for every other request the event loop ran meanwhile, rejecting
 * legitimate alerts exactly when a storm loads the ingress). Real mappings take a few hundred steps. Work
 * inside one step is bounded too: sequences by EVALUATION_MAX_SEQUENCE, text by the body limit, regexes by RE2.
 */
export const EVALUATION_MAX_STEPS = 10_000;
export const EVALUATION_MAX_DEPTH = 200;
/**
 * JSONata builds ranges and sequences in native loops that no step check can interrupt (`[1..9999999]` alone
 * takes about a second), so their length is capped as well; no body within the size limit needs more items.
 */
export const EVALUATION_MAX_SEQUENCE = 100_000;

export type EvaluationResult = { ok: true; value: unknown } | { ok: false; message: string };

/** One compiled mapping expression, named by its key (`signalName`, `target.kind`…) for error messages. */
export interface MappingExpression {
  key: string;
  evaluate(input: unknown, bindings: Readonly<Record<string, unknown>>): Promise<EvaluationResult>;
}

const STEPS_EXCEEDED = 'GATEWAY_STEPS';
/** JSONata calls the binding under this symbol before each evaluation step. */
const EVALUATE_ENTRY = Symbol.for('jsonata.__evaluate_entry');
/** Steps taken, per evaluation: JSONata gives every frame of one evaluation the same `base`. */
const stepsTaken = new WeakMap<object, number>();

function countStep(_node: unknown, _input: unknown, environment: { base: object }): void {
  const steps = (stepsTaken.get(environment.base) ?? 0) + 1;
  if (steps > EVALUATION_MAX_STEPS) throw { code: STEPS_EXCEEDED };
  stepsTaken.set(environment.base, steps);
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
      stack: EVALUATION_MAX_DEPTH,
      sequence: EVALUATION_MAX_SEQUENCE,
      // Regex literals match payload text: a backtracking engine would run inside one native call that the
      // step budget cannot interrupt, RE2 runs in time linear in the text.
      RegexEngine: LinearRegExp as unknown as RegExpConstructor,
    });
  } catch (error) {
    const { position, message } = error as JsonataError;
    return { problem: `invalid JSONata at position ${position ?? 0}: ${message ?? String(error)}` };
  }
  const unsafe = expressionSafetyProblems(expression.ast());
  if (unsafe.length > 0) return { problem: unsafe.join('; ') };
  expression.assign(EVALUATE_ENTRY as unknown as string, countStep);
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
  if (code === STEPS_EXCEEDED) return `evaluation exceeded ${EVALUATION_MAX_STEPS} steps`;
  if (code === 'D1011') return `evaluation exceeded depth ${EVALUATION_MAX_DEPTH}`;
  if (code === 'D2014' || code === 'D2015') return `evaluation exceeded ${EVALUATION_MAX_SEQUENCE} items in a sequence`;
  return `evaluation failed: ${message ?? String(error)}`;
}
