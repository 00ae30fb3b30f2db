import { sha256Hex } from '@gateway/contracts';

export const DEFAULT_MAX_ORIGINAL_PAYLOAD_BYTES = 65_536;

export type TruncatedPayload = {
  _truncated: true;
  sizeBytes: number;
  sha256: string;
};

/**
 * Large payloads would make every audit batch heavy and can exceed Data Storage's body limit, so above the
 * limit only a verifiable digest of the payload is kept (docs/audit.md#fields).
 */
export function boundOriginalPayload(
  payload: Record<string, unknown>,
  maxOriginalPayloadBytes: number = DEFAULT_MAX_ORIGINAL_PAYLOAD_BYTES,
): Record<string, unknown> | TruncatedPayload {
  const json = JSON.stringify(payload);
  const sizeBytes = Buffer.byteLength(json, 'utf8');
  if (sizeBytes <= maxOriginalPayloadBytes) return payload;
  return { _truncated: true, sizeBytes, sha256: sha256Hex(json) };
}
