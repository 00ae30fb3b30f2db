import { readFixture } from '@gateway/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  expectAccepted,
  rrSpec,
  type SnsEnvelope,
  type SnsSigner,
  type SourceStack,
  snsPostOptions,
  startSnsSigner,
  startSourceStack,
} from '../../support/sources.js';

const FIXTURE_TOPIC = 'arn:aws:sns:eu-west-1:1234567890:alerta-test';

describe('cloudwatch source with the fixture topic', () => {
  let signer: SnsSigner | undefined;
  let gw: SourceStack | undefined;

  afterAll(async () => {
    await gw?.close();
    await signer?.close();
  });

  it('creates the worked-example RR when topicArns lists the fixture TopicArn verbatim', async () => {
    signer = await startSnsSigner();
    gw = await startSourceStack({
      sources: { cloudwatch: { enabled: true, topicArns: [FIXTURE_TOPIC], ...signer.sourceOptions } },
    });
    const envelope = signer.sign(readFixture<SnsEnvelope>('sns_notification_cloudwatch_alarm.json'));
    expectAccepted(await gw.post('/api/v1/signals/cloudwatch', envelope, snsPostOptions(envelope)), { accepted: 1 });
    const rr = await gw.waitForRr('rr-d1a726dc25de-c5580b74');
    expect(rrSpec(rr)).toMatchObject({ signalSource: 'aws-cloudwatch', targetType: 'aws' });
  });
});
