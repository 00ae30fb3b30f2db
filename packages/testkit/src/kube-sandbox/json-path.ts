/**
 * Reads a value by the simple JSONPaths CRDs use for printer columns and selectable fields
 * (`.status.overallPhase`, `{.spec.targetResource.name}`, `.status.conditions[0].type`).
 */
export function readJsonPath(obj: unknown, jsonPath: string): unknown {
  const path = jsonPath.trim().replace(/^\{(.*)\}$/, '$1');
  const steps = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let current: unknown = obj;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    const index = /^\[(\d+)\]$/.exec(step);
    current = index ? (current as unknown[])[Number(index[1])] : (current as Record<string, unknown>)[step];
  }
  return current;
}

/** The string form a field selector compares against: absent values select as the empty string. */
export function fieldSelectorValue(obj: unknown, jsonPath: string): string | undefined {
  const value = readJsonPath(obj, jsonPath);
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
