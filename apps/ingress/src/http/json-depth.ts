/**
 * Whether a parsed JSON value nests arrays and objects more than `limit` levels deep (`1` and `[]` are at depth 0
 * and 1). Walks with an explicit stack, since the values it guards against are too deep to recurse into.
 */
export function exceedsJsonDepth(value: unknown, limit: number): boolean {
  const pending: { value: object; depth: number }[] = [];
  if (value !== null && typeof value === 'object') pending.push({ value, depth: 1 });
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > limit) return true;
    for (const child of Object.values(next.value)) {
      if (child !== null && typeof child === 'object') pending.push({ value: child, depth: next.depth + 1 });
    }
  }
  return false;
}
