import { RE2JS } from 're2js';

const FLAG_BITS: Readonly<Record<string, number>> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
};

/**
 * Compiled programs by flags and source. JSONata constructs its regex engine every time it evaluates a regex
 * literal, i.e. per signal, and compiling costs several times more than matching; patterns come from the
 * configuration, so the cache holds a bounded set. A compiled RE2JS program is immutable and safe to share.
 */
const compiled = new Map<string, RE2JS>();

function compile(source: string, bits: number): RE2JS {
  const key = `${bits}/${source}`;
  let program = compiled.get(key);
  if (program === undefined) {
    program = RE2JS.compile(RE2JS.translateRegExp(source), bits);
    compiled.set(key, program);
  }
  return program;
}

/** Flags that change what a match is; `g` and `y` only say where the next search starts. */
const POSITION_FLAGS = new Set(['g', 'y']);

/**
 * A regular expression evaluated by RE2 (a pure JS port): matching time is linear in the input whatever the
 * pattern, so an operator-supplied pattern applied to request data cannot stall the event loop. The price is RE2
 * syntax: no backreferences and no lookaround. Mirrors the part of `RegExp` that callers (and JSONata's
 * `RegexEngine` option) use: `source`, `flags`, `lastIndex`, `test` and `exec`, with `lastIndex` honoured and
 * advanced under the `g` or `y` flag as `RegExp` does.
 */
export class LinearRegExp {
  readonly source: string;
  readonly flags: string;
  lastIndex = 0;
  readonly #pattern: RE2JS;
  readonly #positional: boolean;

  /** Throws `LinearRegExpSyntaxError` for a pattern RE2 cannot run. */
  constructor(pattern: string | RegExp, flags?: string) {
    this.source = typeof pattern === 'string' ? pattern : pattern.source;
    this.flags = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
    let bits = 0;
    for (const flag of this.flags) {
      const bit = FLAG_BITS[flag];
      if (bit !== undefined) bits |= bit;
      else if (!POSITION_FLAGS.has(flag))
        throw new LinearRegExpSyntaxError(this.source, `flag ${flag} is not supported`);
    }
    this.#positional = [...this.flags].some((flag) => POSITION_FLAGS.has(flag));
    try {
      this.#pattern = compile(this.source, bits);
    } catch (error) {
      throw new LinearRegExpSyntaxError(this.source, (error as Error).message);
    }
  }

  test(input: string): boolean {
    return this.exec(input) !== null;
  }

  exec(input: string): RegExpExecArray | null {
    const from = this.#positional ? this.lastIndex : 0;
    const matcher = this.#pattern.matcher(input);
    if (from > input.length || !matcher.find(from) || (this.flags.includes('y') && matcher.start() !== from)) {
      if (this.#positional) this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let group = 0; group <= matcher.groupCount(); group++) groups.push(matcher.group(group) ?? undefined);
    const result = Object.assign(groups, { index: matcher.start(), input, groups: undefined }) as RegExpExecArray;
    if (this.#positional) this.lastIndex = matcher.end();
    return result;
  }
}

export class LinearRegExpSyntaxError extends Error {
  override readonly name = 'LinearRegExpSyntaxError';
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(
      `/${pattern}/ is not a supported regular expression (${reason}); patterns use RE2 syntax: no backreferences or lookaround`,
    );
  }
}

/** Why `pattern` cannot run on the linear engine, or undefined when it can. */
export function linearRegExpProblem(pattern: string | RegExp): string | undefined {
  try {
    new LinearRegExp(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
