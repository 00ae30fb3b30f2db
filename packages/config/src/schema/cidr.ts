import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { reject } from '../rules.js';

function isCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  if (rest.length > 0) return false;
  const maxPrefix = isIPv4(address) ? 32 : isIPv6(address) ? 128 : undefined;
  if (maxPrefix === undefined) return false;
  return prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
}

/** A CIDR block; a bare address counts as a single-host block. */
export const CidrSchema = z.string().check((ctx) => {
  if (!isCidr(ctx.value))
    reject(ctx, 'must be a CIDR block or an IP address', 'write it like 10.0.0.0/8 or 192.168.1.10');
});
