import { redactForLog } from './secrets.js';

const CREDENTIALS_REFUSED = /\b(?:WRONGPASS|NOAUTH)\b/;

/**
 * The message to stop with when Redis refused the credentials of `redis.url` (wrong password, unknown or
 * disabled ACL user, or none given where one is required); undefined for any other error. Reconnecting
 * cannot help while the process holds the same credentials, and a restart picks up a rotated Secret, so the
 * apps exit as they do on invalid configuration instead of waiting unready for ever.
 */
export function redisCredentialsProblem(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : '';
  if (!CREDENTIALS_REFUSED.test(message)) return undefined;
  return redactForLog(
    `Redis refused the user and password of REDIS_URL (${message}): give it an ACL user and password that Redis accepts`,
  );
}
