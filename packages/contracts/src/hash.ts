import { createHash } from 'node:crypto';

/** sha256 over the UTF-8 bytes of `value`, as 64 lowercase hex characters (docs/signals-and-sources.md). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
