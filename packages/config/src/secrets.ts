import { editDistance } from './edit-distance.js';
import { type ConfigPath, isPlainObject } from './object-path.js';

export const REDACTED = '<redacted>';

const SECRET_KEYS = ['token', 'secret', 'password'] as const;
const SECRET_FRAGMENT = /secret|password|tokensha256/i;

/** Keys whose values are credentials, printed as `<redacted>`: tokens, HMAC secrets, passwords and their digests. */
export function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  return (SECRET_KEYS as readonly string[]).includes(lower) || SECRET_FRAGMENT.test(key);
}

export function isSecretPath(path: ConfigPath): boolean {
  return path.some((segment) => typeof segment === 'string' && isSecretKey(segment));
}

/** A misspelt key is still a secret to the person who typed it (`secrte: …`), so unknown keys near one count too. */
export function looksLikeSecretKey(key: string): boolean {
  return isSecretKey(key) || SECRET_KEYS.some((secretKey) => editDistance(key.toLowerCase(), secretKey) <= 2);
}

// Anywhere in the text, and up to the last `@` of the authority: a password may itself hold an unescaped `@`.
// Matching starts at `://`, never at the scheme, so a long run of letters costs one pass, not one per letter.
const URL_PASSWORD = /:\/\/([^\s:/?#@]*):[^\s/?#]*@/g;

function redactUrlPassword(value: string): string {
  return value.replace(URL_PASSWORD, `://$1:${REDACTED}@`);
}

/** Deep copy with every secret replaced by `<redacted>`, including passwords embedded in URLs (`redis://:pw@host`). */
export function redactValue<T>(value: T, isSecret: (key: string) => boolean = isSecretKey): T {
  if (typeof value === 'string') return redactUrlPassword(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, isSecret)) as T;
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = isSecret(key) && item !== undefined && item !== null ? REDACTED : redactValue(item, isSecret);
  }
  return copy as T;
}

/**
 * What a log line may show of an error or other value: Redis client errors carry the failed command's
 * `args` (the user and password for AUTH, signal payloads for scripts) and messages may quote a URL with
 * its password, so both are redacted along with every secret key.
 */
export function redactForLog<T>(value: T): T {
  return redactValue(value, (key) => key === 'args' || isSecretKey(key));
}
