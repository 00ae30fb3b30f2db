import type { JsonObject } from '../input/json-object.js';
import type { SnsMessageType } from './sns-delivery.js';

/** Signed fields in byte order; `Subject` is signed only when the notification has one. */
const NOTIFICATION_FIELDS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const;
const CONFIRMATION_FIELDS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const;

export type StringToSign = { ok: true; value: string } | { ok: false; missingField: string };

/** `name\nvalue\n` per signed field, with the JSON-decoded values, as SNS computed it. */
export function snsStringToSign(type: SnsMessageType, envelope: JsonObject): StringToSign {
  const fields = type === 'Notification' ? NOTIFICATION_FIELDS : CONFIRMATION_FIELDS;
  let value = '';
  for (const field of fields) {
    const fieldValue = envelope[field];
    if (field === 'Subject' && (fieldValue === undefined || fieldValue === null)) continue;
    if (typeof fieldValue !== 'string') return { ok: false, missingField: field };
    value += `${field}\n${fieldValue}\n`;
  }
  return { ok: true, value };
}
