import { readFileSync } from 'node:fs';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { gatewayAuditDocumentUrl } from './validation/gateway-audit-document.js';

const checkedInUrl = new URL('./generated/data-storage.ts', import.meta.url);

describe('generated Data Storage types', () => {
  it('match what openapi-typescript generates from the gateway audit document', async () => {
    // Same call and header as the `generate` script (the openapi-typescript CLI), so the two cannot drift.
    const regenerated = `${COMMENT_HEADER}${astToString(await openapiTS(gatewayAuditDocumentUrl, { silent: true }))}`;
    const checkedIn = readFileSync(checkedInUrl, 'utf8');
    expect(checkedIn === regenerated, 'types are stale: run pnpm --filter @gateway/audit generate').toBe(true);
  });
});
