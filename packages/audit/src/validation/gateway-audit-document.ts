import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The package's own OpenAPI document; it lies beside src/ and dist/ alike. */
export const gatewayAuditDocumentUrl = new URL('../../openapi/gateway-audit.openapi.yaml', import.meta.url);

export interface OpenApiDocument {
  components: { schemas: Record<string, unknown> };
  [key: string]: unknown;
}

export function loadGatewayAuditDocument(): OpenApiDocument {
  return parse(readFileSync(gatewayAuditDocumentUrl, 'utf8')) as OpenApiDocument;
}
