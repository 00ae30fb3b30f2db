import { sign } from 'node:crypto';
import { readFixture } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOptions } from '../parse-options.js';
import type { RawRequest, SourceContext } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';
import { DEFAULT_TEST_SETTINGS, TEST_RECEIVED_AT } from '../testing/source-request.js';
import { createCloudwatchCapabilities } from './cloudwatch-capabilities.js';
import type { CloudwatchOptions } from './cloudwatch-options.js';
import { cloudwatchSource } from './cloudwatch-source.js';
import { createHttpsGet, HttpsGetError } from './https-get.js';
import type { SnsTestPki } from './testing/sns-test-pki.js';
import { createSnsTestPki } from './testing/sns-test-pki.js';
import type { SnsTestServer } from './testing/sns-test-server.js';
import { startSnsTestServer } from './testing/sns-test-server.js';

type Envelope = Record<string, unknown>;

const TEST_HOST = 'sns.test-1.amazonaws.com';
/** The confirmation fixture's own certificate host, also pointed at loopback so its example signature is judged. */
const FIXTURE_HOST = 'sns.us-west-2.amazonaws.com';
const ALARM_TOPIC = 'arn:aws:sns:eu-west-1:1234567890:alerta-test';
const FIXTURE_TOPIC = 'arn:aws:sns:us-west-2:123456789012:MyTopic';

let pki: SnsTestPki;
let server: SnsTestServer;

beforeAll(async () => {
  pki = createSnsTestPki([TEST_HOST, FIXTURE_HOST]);
  server = await startSnsTestServer(pki);
});

afterAll(async () => {
  await server?.close();
  pki?.dispose();
});

function certUrl(path = '/SimpleNotificationService-test.pem', host = TEST_HOST): string {
  return `https://${host}:${server.port}${path}`;
}

/** Independent of the verifier: the canonical string as the SNS documentation describes it. */
function stringToSign(envelope: Envelope): string {
  const fields =
    envelope.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return fields
    .filter((field) => typeof envelope[field] === 'string')
    .map((field) => `${field}\n${envelope[field] as string}\n`)
    .join('');
}

function signed(envelope: Envelope, version: '1' | '2' = '1', overrides: Envelope = {}): Envelope {
  const unsigned = { ...envelope, SignatureVersion: version, SigningCertURL: certUrl(), ...overrides };
  const signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(stringToSign(unsigned)), pki.leafKeyPem);
  return { ...unsigned, Signature: signature.toString('base64') };
}

function snsRequest(envelope: Envelope, headers: Record<string, string> = {}): RawRequest {
  return {
    method: 'POST',
    path: '/api/v1/signals/cloudwatch',
    headers: { 'content-type': 'text/plain; charset=UTF-8', ...headers },
    query: {},
    rawBody: new TextEncoder().encode(JSON.stringify(envelope)),
    receivedAt: TEST_RECEIVED_AT,
  };
}

function context(now: string | Date, options: Partial<CloudwatchOptions> = {}): SourceContext<CloudwatchOptions> {
  const parsed = parseOptions(cloudwatchSource, {
    topicArns: [ALARM_TOPIC, FIXTURE_TOPIC],
    caFile: pki.caFile,
    resolve: { [TEST_HOST]: '127.0.0.1', [FIXTURE_HOST]: '127.0.0.1' },
    ...options,
  });
  return {
    name: 'cloudwatch',
    sourceType: 'cloudwatch',
    signalSource: 'aws-cloudwatch',
    options: parsed,
    settings: { ...DEFAULT_TEST_SETTINGS, defaultSeverity: 'warning' },
    // Frozen at the message time so the fixtures' old Timestamps pass the age check.
    now: () => new Date(now),
    ...createCloudwatchCapabilities(parsed, () => new Date()),
  };
}

async function verify(envelope: Envelope, ctx = context(envelope.Timestamp as string), headers = {}) {
  return cloudwatchSource.verify!(snsRequest(envelope, headers), ctx);
}

const alarm = () => readFixture<Envelope>('sns_notification_cloudwatch_alarm.json');
const accepted = { ok: true, principal: { type: 'signature', id: ALARM_TOPIC } };

describe('cloudwatch verify against a loopback SNS certificate host', () => {
  it.each(['1', '2'] as const)('accepts a fixture re-signed with SignatureVersion %s', async (version) => {
    expect(await verify(signed(alarm(), version))).toEqual(accepted);
  });

  it('accepts the OK fixture of another region and account, re-signed with version 2', async () => {
    const ok = readFixture<Envelope>('sns_notification_cloudwatch_ok.json');
    const topic = ok.TopicArn as string;
    const result = await verify(signed(ok, '2'), context(ok.Timestamp as string, { topicArns: [topic] }));
    expect(result).toEqual({ ok: true, principal: { type: 'signature', id: topic } });
  });

  it('signs Subject only when present', async () => {
    const { Subject: _subject, ...withoutSubject } = alarm();
    expect(await verify(signed(withoutSubject, '2'))).toEqual(accepted);
  });

  it('refuses a message changed after signing', async () => {
    const forged = { ...signed(alarm()), Message: '{"AlarmName":"x","NewStateValue":"OK"}' };
    expect(await verify(forged)).toEqual({
      ok: false,
      status: 401,
      detail: 'SNS signature does not match the message',
    });
  });

  it('refuses a version 1 signature presented as version 2', async () => {
    const relabelled = { ...signed(alarm(), '1'), SignatureVersion: '2' };
    expect(await verify(relabelled)).toEqual({
      ok: false,
      status: 401,
      detail: 'SNS signature does not match the message',
    });
  });

  it.each([
    [
      'a host outside certHostPattern',
      'https://sns.test-1.amazonaws.com.evil.example/cert.pem',
      'SigningCertURL host does not match certHostPattern',
    ],
    ['plain http', `http://${TEST_HOST}/SimpleNotificationService-test.pem`, 'SigningCertURL must use https'],
    [
      'a path not ending in .pem',
      `https://${TEST_HOST}/SimpleNotificationService-test.crt`,
      'SigningCertURL path must end in .pem',
    ],
    ['credentials in the URL', `https://user:pw@${TEST_HOST}/cert.pem`, 'SigningCertURL must not carry credentials'],
  ])('refuses a SigningCertURL with %s without fetching it', async (_case, url, detail) => {
    const before = server.requests.length;
    expect(await verify(signed(alarm(), '1', { SigningCertURL: url }))).toEqual({ ok: false, status: 401, detail });
    expect(server.requests.length).toBe(before);
  });

  it.each(['3', '', undefined])('refuses SignatureVersion %j', async (version) => {
    const envelope = { ...signed(alarm()), SignatureVersion: version };
    expect(await verify(envelope)).toEqual({
      ok: false,
      status: 401,
      detail: 'unsupported SignatureVersion: only 1 and 2 are accepted',
    });
  });

  it('answers 403 for a correctly signed message from a topic not in topicArns', async () => {
    const ctx = context(alarm().Timestamp as string, { topicArns: ['arn:aws:sns:eu-west-1:1234567890:other'] });
    expect(await verify(signed(alarm()), ctx)).toEqual({
      ok: false,
      status: 403,
      detail: 'TopicArn is not allowed; add the topic ARN to topicArns',
    });
  });

  it('accepts a message exactly maxMessageAge old and refuses one a millisecond older as a replay', async () => {
    const envelope = signed(alarm());
    const sent = Date.parse(envelope.Timestamp as string);
    expect(await verify(envelope, context(new Date(sent + 3_600_000)))).toEqual(accepted);
    expect(await verify(envelope, context(new Date(sent + 3_600_001)))).toEqual({
      ok: false,
      status: 401,
      problem: 'replay-rejected',
      detail: 'timestamp too old',
    });
  });

  it('applies a configured maxMessageAge', async () => {
    const envelope = signed(alarm());
    const sent = Date.parse(envelope.Timestamp as string);
    const result = await verify(envelope, context(new Date(sent + 60_001), { maxMessageAge: 60_000 }));
    expect(result).toEqual({ ok: false, status: 401, problem: 'replay-rejected', detail: 'timestamp too old' });
  });

  it('refuses a Timestamp more than 120 s ahead of the clock as a replay', async () => {
    const envelope = signed(alarm());
    const sent = Date.parse(envelope.Timestamp as string);
    expect(await verify(envelope, context(new Date(sent - 120_000)))).toEqual(accepted);
    expect(await verify(envelope, context(new Date(sent - 120_001)))).toEqual({
      ok: false,
      status: 401,
      problem: 'replay-rejected',
      detail: 'timestamp in the future',
    });
  });

  it('refuses a certificate outside its validity dates', async () => {
    const envelope = signed(alarm());
    expect(await verify(envelope, context('2100-01-01T00:00:00Z'))).toEqual({
      ok: false,
      status: 401,
      detail: 'SNS signing certificate is outside its validity dates',
    });
  });

  it('refuses the subscription confirmation fixture, whose example signature does not verify', async () => {
    const confirmation = readFixture<Envelope>('sns_subscription_confirmation.json');
    const url = new URL(confirmation.SigningCertURL as string);
    url.port = String(server.port);
    const envelope = { ...confirmation, SigningCertURL: url.href };
    const before = server.requests.length;

    expect(
      await verify(envelope, context(confirmation.Timestamp as string), {
        'x-amz-sns-message-type': 'SubscriptionConfirmation',
      }),
    ).toEqual({
      ok: false,
      status: 401,
      detail: 'SNS signature does not match the message',
    });
    expect(server.requests.slice(before)).toEqual(['/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem']);
  });

  it.each([
    ['answers 404', '/missing.pem'],
    ['redirects', '/moved.pem'],
    ['sends more than 64 KiB', '/huge.pem'],
  ])('answers 503 when the certificate host %s', async (_case, path) => {
    const envelope = signed(alarm(), '1', { SigningCertURL: certUrl(path) });
    expect(await verify(envelope)).toEqual({
      ok: false,
      status: 503,
      detail: 'SNS signing certificate could not be fetched; SNS retries the delivery',
    });
  });

  it('fetches a certificate once per URL and serves later messages from the cache', async () => {
    const ctx = context(alarm().Timestamp as string);
    const url = certUrl('/cached-once.pem');
    await verify(signed(alarm(), '1', { SigningCertURL: url }), ctx);
    await verify(signed(alarm(), '2', { SigningCertURL: url }), ctx);
    expect(server.requests.filter((path) => path === '/cached-once.pem')).toHaveLength(1);
  });

  it('refuses raw message delivery, which carries no signature, and names it unsigned for ingress', async () => {
    const raw = snsRequest(readFixture<Envelope>('cloudwatch_alarm_message_decoded_alarm.json'));
    const ctx = context('2019-02-15T23:53:45.134Z');
    expect(cloudwatchSource.isUnsignedDelivery!(raw)).toBe(true);
    expect(await cloudwatchSource.verify!(raw, ctx)).toEqual({
      ok: false,
      status: 401,
      detail: 'SNS raw message delivery is unsigned; send a token with it or turn raw delivery off',
    });
    expect(cloudwatchSource.isUnsignedDelivery!(snsRequest(signed(alarm())))).toBe(false);
    expect(cloudwatchSource.isUnsignedDelivery!(snsRequest(alarm(), { 'x-amz-sns-rawdelivery': 'true' }))).toBe(true);
  });

  it('throws a SourceInputError when x-amz-sns-message-type disagrees with Type', async () => {
    const error = await verify(signed(alarm()), undefined, {
      'x-amz-sns-message-type': 'SubscriptionConfirmation',
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SourceInputError);
    expect(error).toMatchObject({
      message: 'x-amz-sns-message-type header does not match the body Type',
      pointer: '/Type',
    });
  });
});

describe('cloudwatch handshake', () => {
  function confirmation(query: string, type = 'SubscriptionConfirmation'): Envelope {
    const fixture = readFixture<Envelope>('sns_subscription_confirmation.json');
    return signed({ ...fixture, Type: type, TopicArn: ALARM_TOPIC, Timestamp: '2024-05-01T10:00:00.000Z' }, '2', {
      SubscribeURL: `https://${TEST_HOST}:${server.port}/?${query}`,
    });
  }

  async function answer(envelope: Envelope, options: Partial<CloudwatchOptions> = {}) {
    const ctx = context(envelope.Timestamp as string, options);
    const req = snsRequest(envelope, { 'x-amz-sns-message-type': envelope.Type as string });
    expect(await cloudwatchSource.verify!(req, ctx)).toEqual(accepted);
    return cloudwatchSource.handshake!(req, ctx);
  }

  it('confirms a verified subscription by visiting SubscribeURL', async () => {
    const envelope = confirmation('Action=ConfirmSubscription&Token=t-1');
    expect(await answer(envelope)).toEqual({ status: 200, body: { status: 'confirmed' } });
    expect(server.requests).toContain('/?Action=ConfirmSubscription&Token=t-1');
  });

  it('leaves the subscription pending without visiting SubscribeURL when auto-confirmation is off', async () => {
    const envelope = confirmation('Action=ConfirmSubscription&Token=t-2');
    expect(await answer(envelope, { autoConfirmSubscriptions: false })).toEqual({
      status: 200,
      body: { status: 'pending-confirmation' },
    });
    expect(server.requests).not.toContain('/?Action=ConfirmSubscription&Token=t-2');
  });

  it('answers 503 so SNS retries when SubscribeURL fails', async () => {
    expect(await answer(confirmation('Action=Broken&Token=t-3'))).toEqual({
      status: 503,
      body: { status: 'confirmation-failed', detail: 'SubscribeURL could not be visited; SNS retries the delivery' },
    });
  });

  it('acknowledges an UnsubscribeConfirmation', async () => {
    expect(await answer(confirmation('Action=Unsubscribed', 'UnsubscribeConfirmation'))).toEqual({
      status: 200,
      body: { status: 'acknowledged' },
    });
  });

  it('refuses a SubscribeURL outside certHostPattern without visiting it', async () => {
    const envelope = signed(confirmation('x=1'), '2', { SubscribeURL: 'https://metadata.internal/latest' });
    const ctx = context(envelope.Timestamp as string);
    const error = await cloudwatchSource.handshake!(snsRequest(envelope), ctx).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SourceInputError);
    expect(error).toMatchObject({
      message: 'SubscribeURL host does not match certHostPattern',
      pointer: '/SubscribeURL',
    });
  });

  it('lets notifications through to parse', async () => {
    const envelope = signed(alarm());
    expect(
      await cloudwatchSource.handshake!(snsRequest(envelope), context(envelope.Timestamp as string)),
    ).toBeUndefined();
  });
});

describe('createHttpsGet', () => {
  // Short where the timeout is the point; generous where an answer is expected, because a TLS handshake on a
  // loaded two-core machine can take longer than 300 ms.
  const get = (timeoutMs = 10_000) =>
    createHttpsGet({ ca: pki.caPem, resolve: { [TEST_HOST]: '127.0.0.1' }, timeoutMs });

  it('gives up on a host that does not answer within the timeout', async () => {
    await expect(get(300)(new URL(certUrl('/stall.pem')))).rejects.toEqual(
      new HttpsGetError('no complete answer within 300 ms'),
    );
  });

  it('refuses a server whose certificate the configured CA did not issue', async () => {
    const untrusting = createHttpsGet({ resolve: { [TEST_HOST]: '127.0.0.1' } });
    await expect(untrusting(new URL(certUrl()))).rejects.toBeInstanceOf(HttpsGetError);
  });

  it('returns the body of a 2xx answer', async () => {
    expect(new TextDecoder().decode(await get()(new URL(certUrl())))).toBe(pki.leafPem);
  });
});
