import type { CommonSourceSettings } from '../source-definition.js';
import { SEVERITY_MAX_CHARS, truncateChars } from './text-limits.js';

/** Last resort so a draft never carries an empty severity even if `defaultSeverity` is configured empty. */
const FALLBACK_SEVERITY = 'unknown';

/** Passes the source's value through (Signal Processing normalises it). */
export function normalizeSeverity(
  raw: string | undefined,
  settings: Pick<CommonSourceSettings, 'severityMap' | 'defaultSeverity'>,
): string {
  const trimmed = (raw ?? '').trim();
  const mapped = Object.hasOwn(settings.severityMap, trimmed) ? (settings.severityMap[trimmed] ?? '') : trimmed;
  const value = mapped === '' ? settings.defaultSeverity || FALLBACK_SEVERITY : mapped;
  return truncateChars(value, SEVERITY_MAX_CHARS);
}
