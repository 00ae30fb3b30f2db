import { computeFingerprint, remediationRequestName } from '@gateway/contracts';
import { readFixture, readFixtureText } from '@gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  expectAccepted,
  expectProblem,
  expectResolvedOnly,
  rrSpec,
  rrValidator,
  type SnsEnvelope,
  type SnsSigner,
  type SourceStack,
  snsPostOptions,
  startSnsSigner,
  startSourceStack,
} from '../../support/sources.js';

// CloudWatch via SNS end to end: SNS envelopes re-signed with a test CA's certificate, served over loopback HTTPS from
// an allowed "sns.<region>.amazonaws.com" host, through the real ingress and worker into the kube sandbox.

const ROUTE = '/api/v1/signals/cloudwatch';
/**
 * The alarm fixture's TopicArn has a 10-digit account (`arn:aws:sns:eu-west-1:1234567890:alerta-test`), which
 * the configuration schema refuses as a `topicArns` entry (it wants 12 digits). The same topic name in the same region with a
 * 12-digit account keeps every input of the worked example: region from the TopicArn, account from the alarm.
 */
const ALARM_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerta-test';
const OK_TOPIC = 'arn:aws:sns:ap-northeast-1:257706363616:aws-sns-topic';
const CONFIRMATION_TOPIC = 'arn:aws:sns:us-west-2:123456789012:MyTopic';

const WORKED_FINGERPRINT = 'd1a726dc25de332475640b0d8c1eb3de0a884887c052d57888d0d73ccf7fccfd';
const WORKED_RR = 'rr-d1a726dc25de-c5580b74';

const alarmEnvelope = (): SnsEnvelope => ({
  ...readFixture<SnsEnvelope>('sns_notification_cloudwatch_alarm.json'),
  TopicArn: ALARM_TOPIC,
});

/** The alarm fixture with another alarm name, so a test owns its own fingerprint. */
function renamedAlarm(name: string, messageId: string): SnsEnvelope {
  const envelope = alarmEnvelope();
  const message = JSON.parse(envelope.Message as string) as Record<string, unknown>;
  return { ...envelope, MessageId: messageId, Message: JSON.stringify({ ...message, AlarmName: name }) };
}

describe('cloudwatch source', () => {
  let signer: SnsSigner;
  let gw: SourceStack;

  beforeAll(async () => {
    signer = await startSnsSigner();
    gw = await startSourceStack({
      sources: {
        cloudwatch: {
          enabled: true,
          topicArns: [ALARM_TOPIC, OK_TOPIC, CONFIRMATION_TOPIC],
          ...signer.sourceOptions,
        },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await signer?.close();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(gw?.logs()));
  });

  const post = (
    envelope: SnsEnvelope | string,
    options = snsPostOptions(typeof envelope === 'string' ? {} : envelope),
  ) => gw.post(ROUTE, envelope, options);

  it('creates the worked-example RR when a re-signed alarm notification arrives', async () => {
    const envelope = signer.sign(alarmEnvelope());
    expectAccepted(await post(envelope), { accepted: 1, ignored: 0 });

    const rr = await gw.waitForRr(WORKED_RR);
    expect(rrValidator().validate(rr)).toEqual([]);
    const spec = rrSpec(rr);
    expect(spec).toMatchObject({
      signalFingerprint: WORKED_FINGERPRINT,
      signalName: 'bucketbytesAlarm',
      signalSource: 'aws-cloudwatch',
      severity: 'warning',
      targetType: 'aws',
      firingTime: '2019-02-15T23:53:45.093Z',
    });
    expect(spec.targetResource).toMatchObject({ kind: 'S3Bucket', name: 'try.alerta.io' });
    expect(JSON.parse(spec.providerData ?? '{}')).toMatchObject({
      region: 'eu-west-1',
      regionName: 'EU (Ireland)',
      accountId: '1234567890',
      resourceType: 'S3Bucket',
      resourceId: 'try.alerta.io',
      metricName: 'BucketSizeBytes',
    });
    await gw.fx.waitForCount(WORKED_RR, 1);
  });

  it('counts the same SNS MessageId once and a new MessageId as a second occurrence', async () => {
    const alarm = 'bucketbytesAlarm-redelivery';
    const name = remediationRequestName(
      computeFingerprint({
        signalName: alarm,
        target: { kind: 'S3Bucket', name: 'try.alerta.io', scope: '1234567890/eu-west-1' },
      }),
      1,
    );
    const before = await gw.settle();
    // SNS retries send the identical envelope; a second signature version must not change its identity.
    const first = signer.sign(renamedAlarm(alarm, '0f9d7c2e-1111-4a6b-9c3e-000000000001'));
    expectAccepted(await post(first), { accepted: 1 });
    expectAccepted(await post(first), { accepted: 1 });
    const redelivered = await gw.settle();
    expect(redelivered.created - before.created).toBe(1);
    expect(redelivered.redelivered - before.redelivered).toBe(1);
    await gw.fx.waitForCount(name, 1);

    const second = signer.sign(renamedAlarm(alarm, '0f9d7c2e-1111-4a6b-9c3e-000000000002'), {}, '2');
    expectAccepted(await post(second), { accepted: 1 });
    await gw.fx.waitForCount(name, 2);
    expect(gw.rrs().filter((rr) => rrSpec(rr).signalName === alarm)).toHaveLength(1);
  });

  it('creates no RR when the OK notification resolves an alarm', async () => {
    const envelope = signer.sign(readFixture<SnsEnvelope>('sns_notification_cloudwatch_ok.json'), {}, '2');
    await expectResolvedOnly(gw, () => post(envelope));
    expect(gw.rrs().filter((rr) => rrSpec(rr).signalName === 'ec2CPUUtilization')).toEqual([]);
  });

  it('ignores an INSUFFICIENT_DATA notification by default', async () => {
    const envelope = signer.sign({
      ...readFixture<SnsEnvelope>('sns_notification_cloudwatch_insufficient_data.json'),
      TopicArn: ALARM_TOPIC,
    });
    expectAccepted(await post(envelope), { accepted: 0, ignored: 1 });
  });

  it('answers 401 signature-invalid and creates nothing when the signed message was altered', async () => {
    const count = gw.rrs().length;
    const envelope = signer.sign(renamedAlarm('forged-alarm', '0f9d7c2e-1111-4a6b-9c3e-00000000000f'));
    const forged = { ...envelope, Message: (envelope.Message as string).replace('forged-alarm', 'forged-alarm-2') };
    expectProblem(await post(forged), 401, 'signature-invalid');
    // A signature over another certificate's key (the fixture's own) fails the same way.
    const foreign = {
      ...envelope,
      Signature: readFixture<SnsEnvelope>('sns_notification_cloudwatch_alarm.json').Signature,
    };
    expectProblem(await post(foreign), 401, 'signature-invalid');
    expect(gw.rrs()).toHaveLength(count);
  });

  it('answers 401 for the confirmation fixture, whose signature is the documentation example', async () => {
    const fixture = readFixture<SnsEnvelope>('sns_subscription_confirmation.json');
    const certUrl = new URL(fixture.SigningCertURL as string);
    // Its certificate host is served from loopback too, so the example signature itself is what fails.
    certUrl.port = String(signer.server.port);
    expectProblem(await post({ ...fixture, SigningCertURL: certUrl.toString() }), 401, 'signature-invalid');
  });

  it('answers 400 replay-rejected when the signed Timestamp is stale or too far ahead', async () => {
    const count = gw.rrs().length;
    const stale = signer.sign(renamedAlarm('stale-alarm', '0f9d7c2e-1111-4a6b-9c3e-000000000010'), {
      Timestamp: new Date(Date.now() - 2 * 3_600_000).toISOString(),
    });
    expectProblem(await post(stale), 400, 'replay-rejected');
    const ahead = signer.sign(renamedAlarm('stale-alarm', '0f9d7c2e-1111-4a6b-9c3e-000000000011'), {
      Timestamp: new Date(Date.now() + 10 * 60_000).toISOString(),
    });
    expectProblem(await post(ahead), 400, 'replay-rejected');
    expect(gw.rrs()).toHaveLength(count);
  });

  it('answers 403 forbidden when the TopicArn is not allowed', async () => {
    const envelope = signer.sign({ ...alarmEnvelope(), TopicArn: 'arn:aws:sns:eu-west-1:123456789012:someone-else' });
    expectProblem(await post(envelope), 403, 'forbidden');
  });

  it('answers 400 validation-error when the body is truncated JSON', async () => {
    const text = readFixtureText('sns_notification_cloudwatch_alarm.json');
    const problem = expectProblem(
      await post(text.slice(0, Math.floor(text.length / 2)), snsPostOptions(alarmEnvelope())),
      400,
      'validation-error',
    );
    // JSON errors: the detail points at the error, never echoes the body.
    expect(problem.detail).not.toContain('bucketbytesAlarm');
  });

  it('answers 400 when a correctly signed notification does not carry a CloudWatch alarm', async () => {
    const envelope = signer.sign({
      ...alarmEnvelope(),
      MessageId: '0f9d7c2e-1111-4a6b-9c3e-000000000020',
      Message: '{"hello":"world"}',
    });
    expectProblem(await post(envelope), 400, 'validation-error');
  });
});
