import { describe, expect, it } from 'vitest';
import { createUuidV7 } from './ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('createUuidV7', () => {
  it('writes the version, the variant and the milliseconds where RFC 9562 puts them', () => {
    const at = 0x0191_2345_6789;
    const id = createUuidV7(() => at)();
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
  });

  it('gives distinct ids across pool refills within one millisecond', () => {
    const next = createUuidV7(() => 1_700_000_000_000);
    const ids = new Set(Array.from({ length: 5000 }, next));
    expect(ids.size).toBe(5000);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('sorts ids of later milliseconds after earlier ones', () => {
    let ms = 1_700_000_000_000;
    const next = createUuidV7(() => ms);
    const ids = Array.from({ length: 100 }, () => {
      ms += 1;
      return next();
    });
    expect([...ids].sort()).toEqual(ids);
  });
});
