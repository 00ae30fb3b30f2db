import { verify as verifySignature } from 'node:crypto';
import { parseTimestamp } from '@gateway/contracts';
import { asString } from '../input/string-field.js';
import type { RawRequest, SourceContext, VerifyResult } from '../source-definition.js';
import type { CloudwatchOptions } from './cloudwatch-options.js';
import { readSnsDelivery } from './sns-delivery.js';
import { snsStringToSign } from './sns-string-to-sign.js';
import { checkSnsUrl } from './sns-url.js';

const DIGEST_BY_SIGNATURE_VERSION: Readonly<Record<string, string>> = { '1': 'sha1', '2': 'sha256' };

/** Same future tolerance as the `X-Timestamp` window: clocks drift, signed messages do not travel back. */
export const SNS_MAX_FUTURE_MS = 120_000;

/**
 * SNS signature, certificate URL, TopicArn and age checks for every envelope type (docs/security.md#sns-cloudwatch).
 * Cheap checks come before the certificate fetch, so a stranger's message (wrong topic, foreign certificate host) never
 * makes the gateway call out; the signed `Timestamp` is judged only after the signature proved it.
 */
export async function verifySnsDelivery(req: RawRequest, ctx: SourceContext<CloudwatchOptions>): Promise<VerifyResult> {
  const delivery = readSnsDelivery(req);
  if (delivery.kind === 'raw') {
    return signatureInvalid('SNS raw message delivery is unsigned; send a token with it or turn raw delivery off');
  }
  const { type, envelope } = delivery;
  const version = asString(envelope.SignatureVersion) ?? '';
  const digest = DIGEST_BY_SIGNATURE_VERSION[version];
  if (digest === undefined) return signatureInvalid('unsupported SignatureVersion: only 1 and 2 are accepted');
  const certUrl = checkSnsUrl(envelope.SigningCertURL, 'SigningCertURL', ctx.options.certHostPattern, true);
  if (!certUrl.ok) return signatureInvalid(certUrl.detail);
  const topicArn = asString(envelope.TopicArn);
  if (topicArn === undefined || !ctx.options.topicArns.includes(topicArn)) {
    return { ok: false, status: 403, detail: 'TopicArn is not allowed; add the topic ARN to topicArns' };
  }
  const stringToSign = snsStringToSign(type, envelope);
  if (!stringToSign.ok) return signatureInvalid(`signed field ${stringToSign.missingField} is missing or not a string`);
  const signature = Buffer.from(asString(envelope.Signature) ?? '', 'base64');
  if (signature.length === 0) return signatureInvalid('Signature is missing');

  if (ctx.fetchCertificate === undefined) throw new Error('cloudwatch source needs ctx.fetchCertificate');
  let certificate: Awaited<ReturnType<typeof ctx.fetchCertificate>>;
  try {
    certificate = await ctx.fetchCertificate(certUrl.url);
  } catch {
    return { ok: false, status: 503, detail: 'SNS signing certificate could not be fetched; SNS retries the delivery' };
  }
  const nowMs = ctx.now().getTime();
  if (nowMs < certificate.validFromDate.getTime() || nowMs > certificate.validToDate.getTime()) {
    return signatureInvalid('SNS signing certificate is outside its validity dates');
  }
  if (!verifySignature(digest, Buffer.from(stringToSign.value, 'utf8'), certificate.publicKey, signature)) {
    return signatureInvalid('SNS signature does not match the message');
  }

  const timestamp = parseTimestamp(envelope.Timestamp);
  if (timestamp === undefined) return replayRejected('Timestamp is not an RFC 3339 time');
  const ageMs = nowMs - timestamp.getTime();
  if (ageMs > ctx.options.maxMessageAge) return replayRejected('timestamp too old');
  if (-ageMs > SNS_MAX_FUTURE_MS) return replayRejected('timestamp in the future');
  return { ok: true, principal: { type: 'signature', id: topicArn } };
}

function signatureInvalid(detail: string): VerifyResult {
  return { ok: false, status: 401, detail };
}

function replayRejected(detail: string): VerifyResult {
  return { ok: false, status: 401, problem: 'replay-rejected', detail };
}
