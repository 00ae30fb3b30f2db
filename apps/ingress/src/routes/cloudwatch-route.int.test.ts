import { randomUUID, sign } from 'node:crypto';
import { PROBLEM_CONTENT_TYPE, problemType } from '@gateway/contracts';
import { readFixture, readFixtureText } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnsTestPki } from '../../../../packages/sources/src/cloudwatch/testing/sns-test-pki.js';
import { createSnsTestPki } from '../../../../packages/sources/src/cloudwatch/testing/sns-test-pki.js';
import type { SnsTestServer } from '../../../../packages/sources/src/cloudwatch/testing/sns-test-server.js';
import { startSnsTestServer } from '../../../../packages/sources/src/cloudwatch/testing/sns-test-server.js';
import type { TestIngress } from '../testing/test-ingress.js';
import { bearer, createTestIngress, TEST_TOKENS, waitingSignals } from '../testing/test-ingress.js';

type Envelope = Record<string, unknown>;

// CloudWatch alarms via SNS through the whole ingress route: a loopback "SNS" host serves a test CA's certificate, and
// fixtures are re-signed with its key and a current Timestamp.
const ROUTE = '/api/v1/signals/cloudwatch';
const SNS_HOST = 'sns.test-1.amazonaws.com';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerta-test';

let pki: SnsTestPki;
let server: SnsTestServer;
let ingress: TestIngress;

beforeAll(async () => {
  pki = createSnsTestPki([SNS_HOST]);
  server = await startSnsTestServer(pki);
  ingress = createTestIngress({
    config: {
      sources: {
        cloudwatch: {
          enabled: true,
          topicArns: [TOPIC],
          caFile: pki.caFile,
          resolve: { [SNS_HOST]: '127.0.0.1' },
        },
      },
    },
  });
});

afterAll(async () => {
  await ingress?.close();
  await server?.close();
  pki?.dispose();
});

const snsUrl = (pathAndQuery: string) => `https://${SNS_HOST}:${server.port}${pathAndQuery}`;

/** The canonical string of the SNS documentation, written independently of the verifier. */
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

function signed(envelope: Envelope, overrides: Envelope = {}): Envelope {
  const unsigned: Envelope = {
    ...envelope,
    TopicArn: TOPIC,
    MessageId: randomUUID(),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '2',
    SigningCertURL: snsUrl('/SimpleNotificationService-test.pem'),
    ...overrides,
  };
  const signature = sign('sha256', Buffer.from(stringToSign(unsigned)), pki.leafKeyPem);
  return { ...unsigned, Signature: signature.toString('base64') };
}

function confirmation(action: string): Envelope {
  return signed(readFixture<Envelope>('sns_subscription_confirmation.json'), {
    SubscribeURL: snsUrl(`/?Action=${action}&TopicArn=${TOPIC}&Token=abc`),
  });
}

function post(body: string, headers: Record<string, string> = {}, query = '') {
  return ingress.app.request(`${ROUTE}${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain; charset=UTF-8', ...headers },
    body,
  });
}

async function expectProblem(response: Response, status: number, slug: Parameters<typeof problemType>[0]) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: problemType(slug), status });
  return body;
}

async function jobsOf(requestId: string) {
  const queued = await waitingSignals(ingress.reader);
  return queued.map(({ signal }) => signal).filter((signal) => signal.requestId === requestId);
}

describe('cloudwatch route', () => {
  it('accepts a re-signed SNS notification sent as text/plain without a token, as the topic', async () => {
    const envelope = signed(readFixture<Envelope>('sns_notification_cloudwatch_alarm.json'));
    const response = await post(JSON.stringify(envelope));
    expect(response.status).toBe(202);
    const body = (await response.json()) as { accepted: number; requestId: string };
    expect(body.accepted).toBe(1);
    const [signal] = await jobsOf(body.requestId);
    expect(signal).toMatchObject({
      source: 'cloudwatch',
      sourceType: 'cloudwatch',
      signalSource: 'aws-cloudwatch',
      signalName: 'bucketbytesAlarm',
      status: 'firing',
      severity: 'warning',
      target: { type: 'aws', kind: 'S3Bucket', name: 'try.alerta.io', scope: '1234567890/eu-west-1' },
      deliveryKey: envelope.MessageId,
      principal: { type: 'signature', id: TOPIC },
    });
  });

  it('refuses a changed message, a foreign topic and an old Timestamp with the documented problems', async () => {
    const fixture = readFixture<Envelope>('sns_notification_cloudwatch_alarm.json');
    const forged = { ...signed(fixture), Message: '{"AlarmName":"x","NewStateValue":"OK"}' };
    await expectProblem(await post(JSON.stringify(forged)), 401, 'signature-invalid');
    const foreign = signed(fixture, { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:other' });
    await expectProblem(await post(JSON.stringify(foreign)), 403, 'forbidden');
    const old = signed(fixture, { Timestamp: new Date(Date.now() - 2 * 3_600_000).toISOString() });
    const replay = await expectProblem(await post(JSON.stringify(old)), 400, 'replay-rejected');
    expect(replay.detail).toBe('timestamp too old');
  });

  it('confirms a subscription by visiting SubscribeURL and answers 200 with the request id', async () => {
    const response = await post(JSON.stringify(confirmation('ConfirmSubscription')));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ status: 'confirmed', requestId: response.headers.get('x-request-id') });
    expect(server.requests.some((request) => request.startsWith('/?Action=ConfirmSubscription'))).toBe(true);
    expect(await jobsOf(body.requestId as string)).toEqual([]);
  });

  it('answers a confirmation it could not complete with 503 and Retry-After, so SNS tries again', async () => {
    const response = await post(JSON.stringify(confirmation('Broken')));
    await expectProblem(response, 503, 'service-unavailable');
    expect(response.headers.get('retry-after')).not.toBeNull();
  });

  it('refuses SNS raw delivery without a token and accepts it with one, even in the query', async () => {
    const alarm = readFixtureText('cloudwatch_alarm_message_decoded_alarm.json');
    const raw = { 'x-amz-sns-rawdelivery': 'true' };
    const refused = await expectProblem(await post(alarm, raw), 401, 'unauthorized');
    expect(refused.detail).toContain('Missing credentials');
    await expectProblem(await post(alarm, raw, '?token=not-a-configured-token-0123456789'), 401, 'unauthorized');

    const viaQuery = await post(alarm, raw, `?token=${TEST_TOKENS.signals}`);
    expect(viaQuery.status).toBe(202);
    const { requestId } = (await viaQuery.json()) as { requestId: string };
    const [signal] = await jobsOf(requestId);
    expect(signal).toMatchObject({ signalName: 'bucketbytesAlarm', principal: { type: 'token', id: 'env-1' } });

    expect((await post(alarm, { ...raw, ...bearer(TEST_TOKENS.signals) })).status).toBe(202);
  });
});
