export interface DatadogTags {
  /** `key:value` tags, split at the first `:`; the first occurrence of a key wins. */
  values: Record<string, string>;
  /** Every tag as sent, valueless ones (e.g. `monitor`) included, without repeats. */
  all: string[];
}

/** `scopes` then `tags`: the scope names what the alert is about, so its values take precedence. */
export function parseDatadogTags(...lists: string[]): DatadogTags {
  const values: Record<string, string> = {};
  const all = new Set<string>();
  for (const list of lists) {
    for (const raw of list.split(',')) {
      const tag = raw.trim();
      if (tag === '' || all.has(tag)) continue;
      all.add(tag);
      const colon = tag.indexOf(':');
      if (colon <= 0) continue;
      const key = tag.slice(0, colon).trim();
      const value = tag.slice(colon + 1).trim();
      if (value !== '' && !Object.hasOwn(values, key)) values[key] = value;
    }
  }
  return { values, all: [...all] };
}
