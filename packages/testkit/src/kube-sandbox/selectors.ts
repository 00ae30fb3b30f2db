/** Kubernetes label and field selector parsing and matching. Invalid selectors throw SelectorError (→ 400). */

export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

/** Splits on commas that are not inside `in (…)` value lists. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const SET_REQUIREMENT = /^([^\s!=()]+)\s+(in|notin)\s*\(([^)]*)\)$/;
const EQUALITY_REQUIREMENT = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/;
const EXISTS_REQUIREMENT = /^(!?)\s*([^\s!=()]+)$/;

export function parseLabelSelector(selector: string | null | undefined): LabelMatcher {
  if (!selector) return () => true;
  const checks = splitTopLevel(selector).map((requirement): LabelMatcher => {
    const set = SET_REQUIREMENT.exec(requirement);
    if (set) {
      const [, key = '', op, list = ''] = set;
      const values = new Set(
        list
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== ''),
      );
      return op === 'in'
        ? (labels) => labels?.[key] !== undefined && values.has(labels[key])
        : (labels) => labels?.[key] === undefined || !values.has(labels[key]);
    }
    const equality = EQUALITY_REQUIREMENT.exec(requirement);
    if (equality) {
      const [, key = '', op, value = ''] = equality;
      return op === '!=' ? (labels) => labels?.[key] !== value : (labels) => labels?.[key] === value;
    }
    const exists = EXISTS_REQUIREMENT.exec(requirement);
    if (exists) {
      const [, negate, key = ''] = exists;
      return negate ? (labels) => labels?.[key] === undefined : (labels) => labels?.[key] !== undefined;
    }
    throw new SelectorError(`unable to parse requirement: ${JSON.stringify(requirement)}`);
  });
  return (labels) => checks.every((check) => check(labels));
}

export type FieldMatcher = (fields: Record<string, string | undefined>) => boolean;

/** Field selectors only support =, == and != on fields the resource declares selectable, as in the API server. */
export function parseFieldSelector(selector: string | null | undefined, knownFields: readonly string[]): FieldMatcher {
  if (!selector) return () => true;
  const checks = splitTopLevel(selector).map((requirement): FieldMatcher => {
    const m = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/.exec(requirement);
    if (!m) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${requirement}'`);
    const [, field = '', op, value = ''] = m;
    if (!knownFields.includes(field)) {
      throw new SelectorError(`field label not supported: ${field}`);
    }
    return op === '!=' ? (fields) => (fields[field] ?? '') !== value : (fields) => (fields[field] ?? '') === value;
  });
  return (fields) => checks.every((check) => check(fields));
}
