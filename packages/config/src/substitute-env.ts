import { type Document, isMap, isScalar, isSeq, type Node, parse } from 'yaml';
import { type ConfigPath, formatPath } from './object-path.js';
import { type ConfigProblem, configProblem } from './problems.js';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const SINGLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

type Env = Readonly<Record<string, string | undefined>>;

function substitute(text: string, env: Env, missing: string[]): string {
  return text.replace(REFERENCE, (whole, name: string, fallback: string | undefined) => {
    const value = env[name];
    // Shell semantics: `:-` also replaces an empty value.
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value === undefined) {
      missing.push(name);
      return whole;
    }
    return value;
  });
}

/** An unquoted `${PORT:-8080}` should behave like an unquoted `8080`, i.e. become a number. */
function asPlainScalar(text: string): unknown {
  try {
    const value: unknown = parse(text);
    return typeof value === 'object' && value !== null ? text : value;
  } catch {
    return text;
  }
}

function substituteNode(node: unknown, path: ConfigPath, env: Env, problems: ConfigProblem[]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      substituteNode(pair.value, [...path, key], env, problems);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      substituteNode(item, [...path, index], env, problems);
    });
  } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
    const missing: string[] = [];
    const original = node.value;
    const replaced = substitute(original, env, missing);
    for (const name of missing) {
      problems.push(
        configProblem(
          path,
          original,
          `environment variable ${name} is not set`,
          `set ${name} or write \${${name}:-default} at ${formatPath(path)}`,
        ),
      );
    }
    node.value = node.type === 'PLAIN' && SINGLE_REFERENCE.test(original) ? asPlainScalar(replaced) : replaced;
  }
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in the file's string values, in place. Works on the YAML tree,
 * not the parsed object, to know which scalars were quoted; keys are never substituted.
 */
export function substituteEnv(document: Document<Node, true>, env: Env): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  substituteNode(document.contents, [], env, problems);
  return problems;
}
