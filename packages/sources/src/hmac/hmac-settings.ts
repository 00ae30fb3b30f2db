import { z } from 'zod';

/**
 * HMAC source signatures (docs/security.md#hmac-grafana-and-custom-sources). `secret` is the key itself: a configured
 * `secretFile` is read by the caller before this schema runs, so verification never touches the filesystem at request
 * time.
 */
export function hmacSettingsSchema(defaultHeader?: string) {
  const header = z.string().min(1);
  return z.object({
    secret: z.string().min(1),
    header: defaultHeader === undefined ? header : header.default(defaultHeader),
    algorithm: z.enum(['sha256', 'sha1', 'sha512']).default('sha256'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    prefix: z.string().default(''),
    timestampHeader: z.string().min(1).optional(),
  });
}

/** Custom sources have no conventional header name, so theirs must be configured. */
export const HmacSettingsSchema = hmacSettingsSchema();
export type HmacSettings = z.infer<typeof HmacSettingsSchema>;
