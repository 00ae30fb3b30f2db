import type { SettingsProblem } from './ingress-settings-error.js';

/**
 * The text form of configuration problems (docs/configuration.md#validation-and-problems): a header naming the count
 * and the file, then one indented line per problem.
 */
export function formatSettingsProblems(problems: readonly SettingsProblem[], filePath?: string): string {
  const count = `${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`;
  const header = `config rejected (${count})${filePath ? ` in ${filePath}` : ''}`;
  return [header, ...problems.map((problem) => `  ${problem.message}`)].join('\n');
}
