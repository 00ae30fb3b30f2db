import { defineSource, SourceInputError } from '../source-definition.js';
import { alarmToSignal } from './alarm-to-signal.js';
import { readCloudwatchAlarm } from './cloudwatch-alarm.js';
import type { CloudwatchOptions } from './cloudwatch-options.js';
import { CloudwatchOptionsSchema } from './cloudwatch-options.js';
import { isRawSnsDelivery, readSnsDelivery } from './sns-delivery.js';
import { answerSnsHandshake } from './sns-handshake.js';
import { verifySnsDelivery } from './verify-sns.js';

/**
 * CloudWatch alarms via Amazon SNS. 503 on rate limit: SNS retries only server errors and timeouts.
 * `text/plain` because that is what SNS sends unless the subscription's delivery policy says otherwise.
 */
export const cloudwatchSource = defineSource<CloudwatchOptions>({
  apiVersion: 1,
  type: 'cloudwatch',
  signalSource: 'aws-cloudwatch',
  contentTypes: ['application/json', 'text/plain'],
  defaultAuthMode: 'signature',
  rateLimitStatus: 503,
  defaultOverloadStatus: 503,
  optionsSchema: CloudwatchOptionsSchema,
  verify: verifySnsDelivery,
  handshake: answerSnsHandshake,
  isUnsignedDelivery: isRawSnsDelivery,
  async parse(req, ctx) {
    const delivery = readSnsDelivery(req);
    let item: ReturnType<typeof alarmToSignal>;
    if (delivery.kind === 'raw') {
      item = alarmToSignal(readCloudwatchAlarm(delivery.alarm, ''), { kind: 'raw', headers: req.headers }, ctx);
    } else {
      if (delivery.type !== 'Notification') {
        throw new SourceInputError(`${delivery.type} carries no alarm; only Notification messages do`, '/Type');
      }
      const alarm = readCloudwatchAlarm(parseMessage(delivery.envelope.Message), '/Message');
      item = alarmToSignal(alarm, { kind: 'envelope', envelope: delivery.envelope }, ctx);
    }
    return item.outcome === 'signal'
      ? { signals: [item.signal], ignored: [], rejected: [] }
      : { signals: [], ignored: [item.ignored], rejected: [] };
  },
});

/** The alarm travels as a JSON string inside the envelope; anything unparsable is judged by the alarm reader. */
function parseMessage(message: unknown): unknown {
  if (typeof message !== 'string') return undefined;
  try {
    return JSON.parse(message);
  } catch {
    return undefined;
  }
}
