import { readFixtureText } from '@gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  expectAccepted,
  expectRefused,
  hmacHex,
  type PostOptions,
  rrSpec,
  rrValidator,
  type SourceStack,
  startSourceStack,
  unixNow,
} from '../../support/sources.js';

// Grafana with the optional HMAC: the contact point signs `<timestamp>:<body>` with a shared secret.
// The source keeps its default auth mode (token): configured signatures are verified in every mode.

const ROUTE = '/api/v1/signals/grafana';
const SECRET = 'grafana-contact-point-secret-0123456789';
const SIGNATURE_HEADER = 'X-Grafana-Alerting-Signature';
const TIMESTAMP_HEADER = 'X-Grafana-Alerting-Timestamp';
const MEMORY_RR = 'rr-a80c5cba616b-5c534edd';

const signedBy = (secret: string, body: string, timestamp = unixNow()): PostOptions => ({
  headers: { [SIGNATURE_HEADER]: hmacHex(secret, body, timestamp), [TIMESTAMP_HEADER]: String(timestamp) },
});

describe('grafana source with HMAC', () => {
  let gw: SourceStack;
  const body = readFixtureText('grafana_unified_webhook_firing.json');

  beforeAll(async () => {
    gw = await startSourceStack({
      sources: { grafana: { enabled: true, hmac: { secret: SECRET, timestampHeader: TIMESTAMP_HEADER } } },
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(gw?.logs()));
  });

  it('answers 401 signature-invalid when the HMAC is wrong or missing, even with a valid token', async () => {
    await expectRefused(
      gw,
      () => gw.post(ROUTE, body, signedBy('another-secret-of-some-length-000', body)),
      401,
      'signature-invalid',
    );
    // The signature of another body (the same body with one byte changed).
    const tampered = body.replace('High memory usage', 'High memory usagE');
    await expectRefused(gw, () => gw.post(ROUTE, tampered, signedBy(SECRET, body)), 401, 'signature-invalid');
    await expectRefused(
      gw,
      () => gw.post(ROUTE, body, { headers: { [TIMESTAMP_HEADER]: String(unixNow()) } }),
      401,
      'signature-invalid',
    );
  });

  it('answers 400 replay-rejected when a correctly signed timestamp is outside 300 s past / 120 s future', async () => {
    const replayed = unixNow() - 301;
    const problem = await expectRefused(
      gw,
      () => gw.post(ROUTE, body, signedBy(SECRET, body, replayed)),
      400,
      'replay-rejected',
    );
    expect(problem.detail).toMatch(/too old/);
    const ahead = unixNow() + 180;
    await expectRefused(gw, () => gw.post(ROUTE, body, signedBy(SECRET, body, ahead)), 400, 'replay-rejected');
    // A signature over the original timestamp does not cover a fresh one put in the header.
    const fresh = String(unixNow());
    await expectRefused(
      gw,
      () =>
        gw.post(ROUTE, body, {
          headers: { [SIGNATURE_HEADER]: hmacHex(SECRET, body, replayed), [TIMESTAMP_HEADER]: fresh },
        }),
      401,
      'signature-invalid',
    );
  });

  it('creates the worked-example RR when the signature and timestamp are valid', async () => {
    expectAccepted(await gw.post(ROUTE, body, signedBy(SECRET, body)), { accepted: 2, ignored: 0 });
    const rr = await gw.waitForRr(MEMORY_RR);
    expect(rrValidator().validate(rr)).toEqual([]);
    expect(rrSpec(rr)).toMatchObject({
      signalName: 'High memory usage',
      signalSource: 'grafana',
      targetType: 'kubernetes',
      targetResource: { kind: 'Unknown', name: 'unknown' },
    });
    // A timestamp 299 s old is still inside the window.
    const older = unixNow() - 290;
    expectAccepted(await gw.post(ROUTE, body, signedBy(SECRET, body, older)), { accepted: 2 });
  });
});
