import type { z } from 'zod';
import { closestMatch } from './edit-distance.js';
import { knownKeysFromMessage } from './known-keys.js';
import { type ConfigPath, formatPath, getAt } from './object-path.js';
import { RuleParamsSchema } from './rule-params.js';
import { isSecretPath, looksLikeSecretKey, REDACTED, redactValue } from './secrets.js';

/** One reason a configuration was rejected (docs/configuration.md#validation-and-problems). */
export interface ConfigProblem {
  /** Dotted path such as `queue.lowWaterMark`; `''` for the document as a whole (unreadable file, YAML syntax). */
  path: string;
  /** The offending value as configured, with secrets replaced by `<redacted>`; undefined when the key is missing. */
  value: unknown;
  rule: string;
  /** One sentence for logs and audit `rejection_reason`. */
  message: string;
  suggestion: string;
  /** 1-based position in the YAML file, for syntax errors. */
  line?: number;
  column?: number;
}

/** Builds a problem, redacting the value when the path names a secret. */
export function configProblem(path: ConfigPath, value: unknown, rule: string, suggestion: string): ConfigProblem {
  const text = formatPath(path);
  return {
    path: text,
    value: isSecretPath(path) && value !== undefined ? REDACTED : redactValue(value),
    rule,
    message: text === '' ? rule : `${text}: ${rule}`,
    suggestion,
  };
}

function choices(values: readonly unknown[]): string {
  return values.map((value) => String(value)).join(' | ');
}

function oneOfProblem(path: ConfigPath, value: unknown, values: readonly unknown[]): ConfigProblem {
  const close = typeof value === 'string' ? closestMatch(value, values.map(String)) : undefined;
  const rule = value === undefined ? `is required: one of ${choices(values)}` : `must be one of ${choices(values)}`;
  return configProblem(path, value, rule, close ? `did you mean "${close}"?` : `use one of ${choices(values)}`);
}

function typeName(expected: string): string {
  return ['array', 'object', 'integer'].includes(expected) ? `an ${expected}` : `a ${expected}`;
}

/**
 * Turns zod issues into problems; `document` is the merged input, used to show the value as it was written (before
 * defaults and duration normalisation).
 */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], document: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    const value = getAt(document, path);
    switch (issue.code) {
      case 'custom': {
        const params = RuleParamsSchema.safeParse(issue.params);
        if (!params.success) {
          problems.push(configProblem(path, value, issue.message, 'see the Configuration section of the README'));
          break;
        }
        const shown = params.data.hasValue ? params.data.value : value;
        problems.push(configProblem(path, shown, params.data.rule, params.data.suggestion));
        break;
      }
      case 'unrecognized_keys': {
        const known = knownKeysFromMessage(issue.message);
        for (const key of issue.keys) {
          const keyPath = [...path, key];
          const close = closestMatch(key, known);
          const suggestion = close ? `did you mean "${close}"?` : `remove it; known keys: ${known.join(', ')}`;
          const problem = configProblem(keyPath, getAt(document, keyPath), 'unknown key', suggestion);
          problems.push(looksLikeSecretKey(key) ? { ...problem, value: REDACTED } : problem);
        }
        break;
      }
      case 'invalid_type':
        problems.push(
          value === undefined
            ? configProblem(path, value, `is required (${typeName(issue.expected)})`, `set ${formatPath(path)}`)
            : configProblem(
                path,
                value,
                `must be ${typeName(issue.expected)}`,
                `write it as ${typeName(issue.expected)}`,
              ),
        );
        break;
      case 'invalid_value':
        problems.push(oneOfProblem(path, value, issue.values));
        break;
      case 'invalid_union':
        problems.push(
          'options' in issue && Array.isArray(issue.options)
            ? oneOfProblem(path, value, issue.options)
            : configProblem(path, value, issue.message, 'see the Configuration section of the README'),
        );
        break;
      case 'invalid_key': {
        // The key itself is the offending value; its nested issues describe the key, not the entry.
        for (const problem of problemsFromIssues(issue.issues, path.at(-1))) {
          problems.push(configProblem(path, path.at(-1), problem.rule, problem.suggestion));
        }
        break;
      }
      default:
        problems.push(configProblem(path, value, issue.message, 'see the Configuration section of the README'));
    }
  }
  return problems;
}

const MAX_VALUE_CHARS = 120;

function renderValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' && value === REDACTED ? REDACTED : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function renderProblem(problem: ConfigProblem): string {
  const where =
    problem.line !== undefined
      ? `line ${problem.line}, column ${problem.column ?? 1}`
      : problem.path === ''
        ? '(document)'
        : problem.path;
  const got = problem.line !== undefined ? '' : `got ${renderValue(problem.value)}; `;
  return `  ${where}: ${got}rule: ${problem.rule}; suggestion: ${problem.suggestion}`;
}

/** The stderr form: a header line, then one indented line per problem. */
export function formatProblems(problems: readonly ConfigProblem[], filePath?: string): string {
  const count = `${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`;
  const header = `config rejected (${count})${filePath ? ` in ${filePath}` : ''}`;
  return [header, ...problems.map(renderProblem)].join('\n');
}
