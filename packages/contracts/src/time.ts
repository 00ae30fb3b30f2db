/** RFC 3339 UTC with exactly three fractional digits, the only form the gateway writes. */
export function formatTimestamp(date: Date | number): string {
  return new Date(date).toISOString();
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Parses RFC 3339 with 0–9 fractional digits (truncated to milliseconds) and any offset, including offsets
 * without a colon. Returns undefined for anything else, and for Go's zero time, which senders use for "unset".
 */
export function parseTimestamp(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', z, sign, oh, om] = m;
  const ms = Number((frac + '000').slice(0, 3));
  let epoch = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (!z) {
    const offsetMin = Number(oh) * 60 + Number(om);
    epoch -= (sign === '-' ? -1 : 1) * offsetMin * 60_000;
  }
  if (!Number.isFinite(epoch) || Number(y) <= 1) return undefined;
  return new Date(epoch);
}
