/**
 * Star height of a regular expression: how deeply repetitions nest (`a*` is 1, `(a+)+` is 2). Nested repetition
 * is what makes backtracking engines take exponential time, and a JSONata regex runs natively where no time box
 * reaches it, so mappings are limited to height 1. Bounded counts above one (`{2,5}`) count as
 * repetition too, since `(a|a){1,30}` backtracks just as badly. `source` must be a valid pattern.
 */
export function regexStarHeight(source: string): number {
  // One entry per open group: the greatest height seen inside it so far.
  const groups: number[] = [0];
  let atom: number | undefined;
  let i = 0;
  const seen = (height: number) => {
    atom = height;
    groups[groups.length - 1] = Math.max(groups.at(-1) ?? 0, height);
  };
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\\') {
      seen(0);
      i += 2;
    } else if (ch === '[') {
      i = endOfClass(source, i);
      seen(0);
    } else if (ch === '(') {
      groups.push(0);
      atom = undefined;
      i++;
    } else if (ch === ')') {
      const inner = groups.pop() ?? 0;
      seen(inner);
      i++;
    } else if (ch === '*' || ch === '+') {
      repeat();
      i++;
    } else if (ch === '?') {
      atom = undefined;
      i++;
    } else if (ch === '{') {
      const count = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (count === null) {
        seen(0);
        i++;
      } else {
        const [text, , comma, max] = count;
        if (comma !== undefined && (max === '' || Number(max) > 1)) repeat();
        i += text.length;
      }
    } else {
      if (ch !== '|') seen(0);
      i++;
    }
  }
  return groups[0] ?? 0;

  function repeat(): void {
    if (atom === undefined) return;
    seen(atom + 1);
    // A repeated atom cannot be repeated again without a group (`a**` is invalid; `a*?` is laziness).
    atom = undefined;
  }
}

/** Index just past the `]` closing the class that starts at `start`. */
function endOfClass(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === ']') i++;
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}
