import type { JsonObject } from '../input/json-object.js';
import { isJsonObject } from '../input/json-object.js';
import { readJsonBody } from '../input/read-json-body.js';
import type { RawRequest } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';

export const SNS_MESSAGE_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;
export type SnsMessageType = (typeof SNS_MESSAGE_TYPES)[number];

export type SnsDelivery =
  | { kind: 'envelope'; type: SnsMessageType; envelope: JsonObject }
  /** Raw message delivery: the alarm itself, with no envelope and no signature. */
  | { kind: 'raw'; alarm: JsonObject };

const decoder = new TextDecoder();

/**
 * A raw delivery is announced by SNS's header, or recognisable as an alarm without an envelope. Never
 * throws, because ingress asks before it has judged the body.
 */
export function isRawSnsDelivery(req: RawRequest): boolean {
  if (req.headers['x-amz-sns-rawdelivery']?.trim().toLowerCase() === 'true') return true;
  let body = req.json;
  if (body === undefined) {
    try {
      body = JSON.parse(decoder.decode(req.rawBody));
    } catch {
      return false;
    }
  }
  return isJsonObject(body) && body.AlarmName !== undefined && body.Type === undefined;
}

/** Throws `SourceInputError` for a body that is neither an SNS envelope nor a raw alarm. */
export function readSnsDelivery(req: RawRequest): SnsDelivery {
  const body = readJsonBody(req);
  if (!isJsonObject(body)) throw new SourceInputError('body must be an SNS message JSON object');
  if (isRawSnsDelivery({ ...req, json: body })) return { kind: 'raw', alarm: body };
  const type = body.Type;
  if (!SNS_MESSAGE_TYPES.includes(type as SnsMessageType)) {
    throw new SourceInputError(
      'Type must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation: send SNS HTTP/S deliveries here',
      '/Type',
    );
  }
  const headerType = req.headers['x-amz-sns-message-type'];
  if (headerType !== undefined && headerType !== type) {
    throw new SourceInputError('x-amz-sns-message-type header does not match the body Type', '/Type');
  }
  return { kind: 'envelope', type: type as SnsMessageType, envelope: body };
}
