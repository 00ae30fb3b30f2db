import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HmacSettings } from './hmac-settings.js';
import { HmacSettingsSchema, hmacSettingsSchema } from './hmac-settings.js';
import { verifyHmac } from './verify-hmac.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const BODY = new TextEncoder().encode('{"alerts":[]}');
const SECRET = 'shared-secret-of-the-contact-point';

function settings(overrides: Partial<HmacSettings> = {}): HmacSettings {
  return HmacSettingsSchema.parse({ secret: SECRET, header: 'X-Signature', ...overrides });
}

function sign(payload: string, algorithm = 'sha256', encoding: 'hex' | 'base64' = 'hex'): string {
  return createHmac(algorithm, SECRET).update(payload).digest(encoding);
}

const bodyText = new TextDecoder().decode(BODY);

describe('verifyHmac', () => {
  it('accepts the hex SHA-256 of the body, in either hex case', () => {
    expect(verifyHmac(BODY, { 'x-signature': sign(bodyText) }, settings(), NOW)).toEqual({ ok: true });
    expect(verifyHmac(BODY, { 'x-signature': sign(bodyText).toUpperCase() }, settings(), NOW)).toEqual({ ok: true });
  });

  it.each([
    ['sha1', 'hex'],
    ['sha512', 'hex'],
    ['sha256', 'base64'],
    ['sha512', 'base64'],
  ] as const)('accepts %s signatures encoded as %s', (algorithm, encoding) => {
    const headers = { 'x-signature': sign(bodyText, algorithm, encoding) };
    expect(verifyHmac(BODY, headers, settings({ algorithm, encoding }), NOW)).toEqual({ ok: true });
  });

  it('strips the configured prefix and surrounding blanks', () => {
    const headers = { 'x-signature': `  sha256= ${sign(bodyText)} ` };
    expect(verifyHmac(BODY, headers, settings({ prefix: 'sha256=' }), NOW)).toEqual({ ok: true });
  });

  it('refuses a signature without the configured prefix', () => {
    expect(verifyHmac(BODY, { 'x-signature': sign(bodyText) }, settings({ prefix: 'sha256=' }), NOW)).toEqual({
      ok: false,
      status: 401,
      detail: 'X-Signature does not match the request body; check the shared secret',
    });
  });

  it('answers 401 for a wrong signature, another secret or a changed body', () => {
    const wrong = {
      ok: false,
      status: 401,
      detail: 'X-Signature does not match the request body; check the shared secret',
    };
    expect(verifyHmac(BODY, { 'x-signature': 'deadbeef' }, settings(), NOW)).toEqual(wrong);
    const otherSecret = createHmac('sha256', 'another-secret').update(bodyText).digest('hex');
    expect(verifyHmac(BODY, { 'x-signature': otherSecret }, settings(), NOW)).toEqual(wrong);
    const changed = new TextEncoder().encode('{"alerts":[1]}');
    expect(verifyHmac(changed, { 'x-signature': sign(bodyText) }, settings(), NOW)).toEqual(wrong);
    // Base64 is case-sensitive, so an upper-cased base64 value is another value.
    const base64 = sign(bodyText, 'sha256', 'base64').toUpperCase();
    expect(verifyHmac(BODY, { 'x-signature': base64 }, settings({ encoding: 'base64' }), NOW)).toEqual(wrong);
  });

  it('answers 401 naming the header when the signature is missing or blank', () => {
    const missing = {
      ok: false,
      status: 401,
      detail: 'missing X-Signature header; configure the sender to sign requests',
    };
    expect(verifyHmac(BODY, {}, settings(), NOW)).toEqual(missing);
    expect(verifyHmac(BODY, { 'x-signature': '  ' }, settings(), NOW)).toEqual(missing);
  });

  describe('with a timestamp header', () => {
    const timestamped = settings({ timestampHeader: 'X-Timestamp-Signed' });
    const signedAt = (seconds: number) => ({
      'x-timestamp-signed': String(seconds),
      'x-signature': sign(`${seconds}:${bodyText}`),
    });

    it('signs <timestamp>:<body> and accepts the edges of the window', () => {
      expect(verifyHmac(BODY, signedAt(NOW_SECONDS), timestamped, NOW)).toEqual({ ok: true });
      expect(verifyHmac(BODY, signedAt(NOW_SECONDS - 300), timestamped, NOW)).toEqual({ ok: true });
      expect(verifyHmac(BODY, signedAt(NOW_SECONDS + 120), timestamped, NOW)).toEqual({ ok: true });
    });

    it('rejects a correctly signed but replayed or future request as replay-rejected', () => {
      expect(verifyHmac(BODY, signedAt(NOW_SECONDS - 301), timestamped, NOW)).toEqual({
        ok: false,
        status: 401,
        problem: 'replay-rejected',
        detail: 'timestamp too old',
      });
      expect(verifyHmac(BODY, signedAt(NOW_SECONDS + 121), timestamped, NOW)).toEqual({
        ok: false,
        status: 401,
        problem: 'replay-rejected',
        detail: 'timestamp in the future',
      });
    });

    it('rejects a missing, malformed or negative timestamp', () => {
      const { 'x-timestamp-signed': _ts, ...withoutTimestamp } = signedAt(NOW_SECONDS);
      expect(verifyHmac(BODY, withoutTimestamp, timestamped, NOW)).toEqual({
        ok: false,
        status: 401,
        problem: 'replay-rejected',
        detail: 'missing X-Timestamp-Signed header',
      });
      const malformed = { 'x-timestamp-signed': 'soon', 'x-signature': sign(`soon:${bodyText}`) };
      expect(verifyHmac(BODY, malformed, timestamped, NOW)).toMatchObject({ detail: 'timestamp is not an integer' });
      expect(verifyHmac(BODY, signedAt(-5), timestamped, NOW)).toMatchObject({ detail: 'timestamp is negative' });
    });

    it('answers 401 when the signature covers the body alone or another timestamp', () => {
      const bodyOnly = { 'x-timestamp-signed': String(NOW_SECONDS), 'x-signature': sign(bodyText) };
      expect(verifyHmac(BODY, bodyOnly, timestamped, NOW)).toMatchObject({ status: 401, ok: false });
      expect(verifyHmac(BODY, bodyOnly, timestamped, NOW)).not.toHaveProperty('problem');
      const shifted = { ...signedAt(NOW_SECONDS), 'x-timestamp-signed': String(NOW_SECONDS - 1) };
      expect(verifyHmac(BODY, shifted, timestamped, NOW)).not.toHaveProperty('problem');
    });
  });
});

describe('hmacSettingsSchema', () => {
  it('fills sha256, hex, no prefix and the given default header', () => {
    expect(hmacSettingsSchema('X-Grafana-Alerting-Signature').parse({ secret: 's' })).toEqual({
      secret: 's',
      header: 'X-Grafana-Alerting-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: '',
    });
  });

  it('requires a header when there is no conventional one, and a secret always', () => {
    expect(HmacSettingsSchema.safeParse({ secret: 's' }).success).toBe(false);
    expect(hmacSettingsSchema('X-Sig').safeParse({}).success).toBe(false);
    expect(HmacSettingsSchema.safeParse({ secret: 's', header: 'X', algorithm: 'md5' }).success).toBe(false);
  });
});
