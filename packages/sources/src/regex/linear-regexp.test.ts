import { superLinearInputs } from '@gateway/testkit';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { LinearRegExp, LinearRegExpSyntaxError, linearRegExpProblem } from './linear-regexp.js';

describe('linear-regexp', () => {
  it('matches like RegExp for test and exec, groups and flags included', () => {
    const re = new LinearRegExp('^sns\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?$');
    expect(re.test('sns.eu-west-1.amazonaws.com')).toBe(true);
    expect(re.test('sns.eu-west-1.amazonaws.com.evil.example')).toBe(false);
    const match = re.exec('sns.eu-west-1.amazonaws.com');
    expect([...match!]).toEqual(['sns.eu-west-1.amazonaws.com', 'eu-west-1', undefined]);
    expect(match!.index).toBe(0);
    expect(new LinearRegExp(/HELLO/i).test('say hello')).toBe(true);
  });

  it('advances lastIndex under the g flag as RegExp does', () => {
    const re = new LinearRegExp('b', 'g');
    expect([re.exec('😀ab😀b')?.index, re.lastIndex]).toEqual([3, 4]);
    expect([re.exec('😀ab😀b')?.index, re.lastIndex]).toEqual([6, 7]);
    expect([re.exec('😀ab😀b'), re.lastIndex]).toEqual([null, 0]);
  });

  it('refuses backreferences, lookaround and bad syntax with a message naming RE2', () => {
    expect(() => new LinearRegExp('(a)\\1')).toThrow(LinearRegExpSyntaxError);
    for (const pattern of ['(a)\\1', 'a(?=b)', '(?<!x)a', '(']) {
      expect(linearRegExpProblem(pattern), pattern).toContain('RE2 syntax');
    }
    expect(linearRegExpProblem('(a+)+$')).toBeUndefined();
  });

  it('serves JSONata regex literals, so nested repetition cannot backtrack', async () => {
    const expression = jsonata('$match(text, /(a+)+$/)', { RegexEngine: LinearRegExp as unknown as RegExpConstructor });
    expect(await expression.evaluate({ text: 'xaaa' })).toMatchObject({ match: 'aaa', index: 1 });
    expect(await expression.evaluate({ text: `${'a'.repeat(5000)}!` })).toBeUndefined();
  });

  it.each([
    '$replace("a1b22c333", /[0-9]+/, "#")',
    '$split("a, b,c", /,\\s*/)',
    '$match("Ab aB", /a(b)/i)',
    '$contains("x\\nYz", /^Y/im)',
    '$match("😀a😀a", /a/)',
  ])('gives JSONata the answers of RegExp for %s', async (text) => {
    const native = await jsonata(text).evaluate({});
    const linear = await jsonata(text, { RegexEngine: LinearRegExp as unknown as RegExpConstructor }).evaluate({});
    expect(linear).toEqual(native);
  });

  it('grows at most linearly with the input even for nested repetition', async () => {
    const nested = new LinearRegExp('^(a+)+$');
    const host = new LinearRegExp('^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$');
    const failures = await superLinearInputs(
      (text: string) => nested.test(text) || host.test(text),
      {
        'a run of a then a mismatch': (n) => `${'a'.repeat(n)}!`,
        'a host of dashes': (n) => `sns.${'-'.repeat(n)}.amazonaws.co`,
      },
      { n: 500 },
    );
    expect(failures).toEqual({});
  });
});
