import { linearRegExpProblem } from '../regex/linear-regexp.js';

/**
 * Static checks on a compiled JSONata AST: `$eval` would run text from the payload as an expression, and
 * regex literals run on the linear engine, which refuses what it cannot run (backreferences, lookaround) here,
 * at configuration load, rather than on the first request. Returns the reasons the expression is refused.
 */
export function expressionSafetyProblems(ast: unknown): string[] {
  const problems: string[] = [];
  const visited = new Set<object>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || visited.has(node)) return;
    visited.add(node);
    if (node instanceof RegExp) {
      const problem = linearRegExpProblem(node);
      if (problem !== undefined) problems.push(problem);
      return;
    }
    const record = node as Record<string, unknown>;
    if (record.type === 'variable' && record.value === 'eval') problems.push('$eval is disabled in mappings');
    for (const child of Object.values(record)) visit(child);
  };
  visit(ast);
  return problems;
}
