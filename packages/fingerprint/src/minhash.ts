import { createHash } from 'node:crypto';
import { murmur3x86x32 } from './murmur3.js';

const UTF8 = new TextEncoder();

/**
 * The MinHash signature of a token set: value `i` is the smallest murmur3 (seed `i`) over the tokens, so two sets'
 * signatures agree at a position with probability equal to their Jaccard similarity. An empty set gives all
 * `0xffffffff`.
 */
export function minHashSignature(tokens: Iterable<string>, numHashes: number): Uint32Array {
  const signature = new Uint32Array(numHashes).fill(0xffffffff);
  for (const token of tokens) {
    const bytes = UTF8.encode(token);
    for (let seed = 0; seed < numHashes; seed++) {
      const value = murmur3x86x32(bytes, seed);
      if (value < (signature[seed] ?? 0)) signature[seed] = value;
    }
  }
  return signature;
}

/** Big-endian bytes of `count` signature values from `start`. */
function rowBytes(signature: Uint32Array, start: number, count: number): Buffer {
  const bytes = Buffer.alloc(count * 4);
  for (let row = 0; row < count; row++) bytes.writeUInt32BE(signature[start + row] ?? 0, row * 4);
  return bytes;
}

/** Per LSH band, the first 16 hex of SHA-1 over its rows as big-endian uint32: equal bands, equal hashes. */
export function lshBandHashes(signature: Uint32Array, bands: number): string[] {
  const rows = signature.length / bands;
  const hashes: string[] = [];
  for (let band = 0; band < bands; band++) {
    hashes.push(
      createHash('sha1')
        .update(rowBytes(signature, band * rows, rows))
        .digest('hex')
        .slice(0, 16),
    );
  }
  return hashes;
}

/** 8 hex per value, so a script compares positions by substring. */
export function signatureHex(signature: Uint32Array): string {
  return rowBytes(signature, 0, signature.length).toString('hex');
}
