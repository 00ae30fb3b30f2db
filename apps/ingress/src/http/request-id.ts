const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Reuses a caller's X-Request-ID when it is safe to echo into headers and logs (docs/http-api.md#headers). */
export function resolveRequestId(inbound: string | undefined, generate: () => string): string {
  return inbound !== undefined && VALID_REQUEST_ID.test(inbound) ? inbound : generate();
}
