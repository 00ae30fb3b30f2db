import { describe, expect, it } from 'vitest';
import { formatSettingsProblems } from './format-settings-problems.js';

describe('format-settings-problems', () => {
  it('prints a header with the count and file, then one indented line per problem', () => {
    const problems = [
      { path: 'sources.x.mapping.signalName', message: 'sources.x.mapping.signalName: syntax error' },
      { path: 'sources.x.signalSource', message: 'sources.x.signalSource: required' },
    ];
    expect(formatSettingsProblems(problems, '/etc/gateway/config.yaml')).toBe(
      [
        'config rejected (2 problems) in /etc/gateway/config.yaml',
        '  sources.x.mapping.signalName: syntax error',
        '  sources.x.signalSource: required',
      ].join('\n'),
    );
    expect(formatSettingsProblems(problems.slice(0, 1))).toBe(
      'config rejected (1 problem)\n  sources.x.mapping.signalName: syntax error',
    );
  });
});
