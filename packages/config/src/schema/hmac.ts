import { z } from 'zod';
import { nonEmptyString, reject, section } from '../rules.js';

/**
 * HMAC signature settings (docs/security.md#hmac-grafana-and-custom-sources); only Grafana has a conventional
 * header name, custom sources must name theirs.
 */
export function hmacConfigSchema(defaultHeader?: string) {
  const header = defaultHeader === undefined ? nonEmptyString() : nonEmptyString().prefault(defaultHeader);
  return section({
    secret: z.string().optional(),
    secretFile: nonEmptyString().optional(),
    header,
    algorithm: z.enum(['sha256', 'sha1', 'sha512']).prefault('sha256'),
    encoding: z.enum(['hex', 'base64']).prefault('hex'),
    prefix: z.string().prefault(''),
    timestampHeader: nonEmptyString().optional(),
  }).check((ctx) => {
    const present = (['secret', 'secretFile'] as const).filter((key) => ctx.value[key] !== undefined);
    if (present.length !== 1) {
      reject(ctx, 'exactly one of secret, secretFile', 'prefer secretFile so the secret stays out of the config', {
        value: present,
      });
    }
  });
}
export type HmacConfig = z.infer<ReturnType<typeof hmacConfigSchema>>;
