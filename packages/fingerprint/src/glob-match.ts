/**
 * Whether `text` matches a `*` / `?` glob over the whole string. Configured globs run on every signal name, so
 * this must not backtrack like a regular expression built from the glob (`*a*b*c*d*` against a long name costs
 * seconds there): only the position after the last `*` is ever revisited, which bounds the cost by
 * pattern length × text length, linear in the signal name for a configured pattern.
 */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (t < text.length) {
    const wanted = pattern[p];
    if (wanted === '*') {
      starAt = p++;
      resumeAt = t;
    } else if (wanted !== undefined && (wanted === '?' || wanted === text[t])) {
      p++;
      t++;
    } else if (starAt >= 0) {
      p = starAt + 1;
      t = ++resumeAt;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
