// Every pattern is a fixed sequence of bounded quantifiers (or one greedy character class), so each start position
// costs a bounded amount of work and a whole value is masked in time linear in its length.
const HEX4 = '[0-9a-f]{1,4}';
const IPV6 = `(?:(?:${HEX4}:){7}${HEX4}|(?:${HEX4}:){1,6}:(?:${HEX4}:){0,5}[0-9a-f]{0,4}|::(?:${HEX4}:){0,5}${HEX4})`;
const SUFFIX = '[bcdfghjklmnpqrstvwxz2456789]';

/** In order: each step sees what the previous steps left (`<ip>` has no digits left for `<n>`). */
const MASKS: readonly (readonly [RegExp, string])[] = [
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>'],
  [/(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![0-9])/g, '<ip>'],
  [new RegExp(`\\[${IPV6}\\](?::\\d{1,5})?|(?<![0-9a-z:])${IPV6}(?![0-9a-z:])`, 'g'), '<ip>'],
  [/\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:z|[+-]\d{2}:\d{2})?/g, '<ts>'],
  [/[0-9a-f]{8,}/g, '<hex>'],
  [new RegExp(`-${SUFFIX}{6,10}-${SUFFIX}{5}$`), '-<rs>-<pod>'],
  [new RegExp(`-${SUFFIX}{5}$`), '-<pod>'],
  [/\d+/g, '<n>'],
];

/** A label value, target name or word with the parts that differ between firings of one problem replaced. */
export function maskValue(value: string): string {
  let masked = value.toLowerCase();
  for (const [pattern, replacement] of MASKS) masked = masked.replace(pattern, replacement);
  return masked;
}
