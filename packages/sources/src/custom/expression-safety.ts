import { regexStarHeight } from './regex-star-height.js';

const MAX_STAR_HEIGHT = 1;

/**
 * Static checks on a compiled JSONata AST (docs/signals-and-sources.md): `$eval` would run text from the payload as an
 * expression, and nested repetition in a regex literal can backtrack for minutes inside one native call.
 * Returns the reasons the expression is refused.
 */
export function expressionSafetyProblems(ast: unknown): string[] {
  const problems: string[] = [];
  const visited = new Set<object>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || visited.has(node)) return;
    visited.add(node);
    if (node instanceof RegExp) {
      const height = regexStarHeight(node.source);
      if (height > MAX_STAR_HEIGHT) {
        problems.push(
          `regular expression /${node.source}/ nests repetition (star height ${height}); ` +
            'rewrite it so that no repeated group contains another repetition',
        );
      }
      return;
    }
    const record = node as Record<string, unknown>;
    if (record.type === 'variable' && record.value === 'eval') problems.push('$eval is disabled in mappings');
    for (const child of Object.values(record)) visit(child);
  };
  visit(ast);
  return problems;
}
