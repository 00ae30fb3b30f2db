import type { HttpReply, RawRequest, SourceContext } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';
import type { CloudwatchOptions } from './cloudwatch-options.js';
import { readSnsDelivery } from './sns-delivery.js';
import { checkSnsUrl } from './sns-url.js';

/**
 * SNS subscription messages are answered here, notifications go on to `parse`. A failed confirmation
 * answers 503 because SNS retries server errors, so the confirmation is tried again.
 */
export async function answerSnsHandshake(
  req: RawRequest,
  ctx: SourceContext<CloudwatchOptions>,
): Promise<HttpReply | undefined> {
  const delivery = readSnsDelivery(req);
  if (delivery.kind === 'raw' || delivery.type === 'Notification') return undefined;
  if (delivery.type === 'UnsubscribeConfirmation') return { status: 200, body: { status: 'acknowledged' } };
  if (!ctx.options.autoConfirmSubscriptions) return { status: 200, body: { status: 'pending-confirmation' } };

  const subscribeUrl = checkSnsUrl(delivery.envelope.SubscribeURL, 'SubscribeURL', ctx.options.certHostPattern, false);
  if (!subscribeUrl.ok) throw new SourceInputError(subscribeUrl.detail, '/SubscribeURL');
  if (ctx.httpsGet === undefined) throw new Error('cloudwatch source needs ctx.httpsGet');
  try {
    await ctx.httpsGet(subscribeUrl.url);
  } catch {
    return {
      status: 503,
      body: { status: 'confirmation-failed', detail: 'SubscribeURL could not be visited; SNS retries the delivery' },
    };
  }
  return { status: 200, body: { status: 'confirmed' } };
}
