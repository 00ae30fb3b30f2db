const COMMON_SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-XSS-Protection': '1; mode=block',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
} as const;

const API_CONTENT_SECURITY_POLICY = "default-src 'none'";
/** Bull Board is a browser page with its own scripts, styles and inline images. */
const DASHBOARD_CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";

/** Headers for every ingress response (docs/http-api.md#headers); no CORS headers, as senders are servers. */
export function securityHeaders(dashboard: boolean): Record<string, string> {
  return {
    ...COMMON_SECURITY_HEADERS,
    'Content-Security-Policy': dashboard ? DASHBOARD_CONTENT_SECURITY_POLICY : API_CONTENT_SECURITY_POLICY,
  };
}
