const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^([0-9]+)(ms|s|m|h|d)$/;

/** SPEC §0: a config duration is an integer number of milliseconds or `<n>(ms|s|m|h|d)`; undefined if neither. */
export function parseDurationMs(value: string): number | undefined {
  const text = value.trim();
  if (/^[0-9]+$/.test(text)) return Number(text);
  const match = DURATION.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
