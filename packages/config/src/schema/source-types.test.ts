import { describe, expect, it } from 'vitest';
import { loadConfig } from '../load-config.js';

function certHostPatternProblems(pattern: string) {
  const yaml = `sources:\n  cloudwatch:\n    certHostPattern: '${pattern}'\n`;
  const result = loadConfig({ env: { GATEWAY_CONFIG: '/etc/gateway/config.yaml' }, readFile: () => yaml });
  return result.ok ? [] : result.problems.filter((problem) => problem.path === 'sources.cloudwatch.certHostPattern');
}

describe('source-types', () => {
  it('refuses a certHostPattern that RE2 cannot run, naming the key and the RE2 limits', () => {
    for (const pattern of ['^(sns)\\.\\1$', '^sns(?=\\.)', '^sns[']) {
      const [problem] = certHostPatternProblems(pattern);
      expect(problem?.message, pattern).toMatch(
        /^sources\.cloudwatch\.certHostPattern: must be a valid RE2 regular expression/,
      );
      expect(problem?.suggestion, pattern).toContain('backreferences and lookaround are not supported');
    }
  });

  it('accepts an RE2 pattern, nested repetition included', () => {
    expect(certHostPatternProblems('^(sns-?)+\\.[a-z0-9-]+\\.amazonaws\\.com$')).toEqual([]);
  });
});
