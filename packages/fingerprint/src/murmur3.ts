const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function scrambled(k: number): number {
  const mixed = Math.imul(k, C1);
  return Math.imul((mixed << 15) | (mixed >>> 17), C2);
}

/** MurmurHash3 x86_32 of `bytes` with `seed`, as an unsigned 32-bit integer (Austin Appleby's reference). */
export function murmur3x86x32(bytes: Uint8Array, seed: number): number {
  const length = bytes.length;
  const blockEnd = length - (length % 4);
  let h = seed >>> 0;
  for (let i = 0; i < blockEnd; i += 4) {
    const k = (bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24);
    h ^= scrambled(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  const rest = length % 4;
  if (rest === 3) tail ^= (bytes[blockEnd + 2] ?? 0) << 16;
  if (rest >= 2) tail ^= (bytes[blockEnd + 1] ?? 0) << 8;
  if (rest >= 1) {
    tail ^= bytes[blockEnd] ?? 0;
    h ^= scrambled(tail);
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
