import { seededRandom } from '@gateway/testkit';
import { v5 as uuidV5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { AUDIT_EVENT_ID_NAMESPACE, auditEventId } from './event-id.js';

/** One-, two-, three- and four-byte UTF-8 characters, the last as surrogate pairs. */
const ALPHABETS = ['abcXYZ019:-._ ', 'éüßñ©', '€中文日本語ｶ', '😀🚀𝔘𐍈'];

function randomName(random: () => number, length: number): string {
  let name = '';
  for (let i = 0; i < length; i += 1) {
    const chars = [...ALPHABETS[Math.floor(random() * ALPHABETS.length)]!];
    name += chars[Math.floor(random() * chars.length)];
  }
  return name;
}

/** Computed with uuid 14.0.3 when the id stopped depending on it at runtime. */
const GOLDEN = '468911db-f6d4-5040-b093-50b4371b5c13';

const expected = (name: string) => uuidV5(name, AUDIT_EVENT_ID_NAMESPACE);

describe('event-id', () => {
  it('matches uuid v5 in the audit namespace for the names the events use', () => {
    const names = [
      '01936f0e-7a1b-7c2d-8e3f-405162738495:gateway.signal.received:received',
      '01936f0e-7a1b-7c2d-8e3f-405162738495:gateway.crd.failed:failed:2',
      'worker-0:3:gateway.config.reloaded:sources',
    ];
    for (const name of names) expect(auditEventId(name), name).toBe(expected(name));
  });

  it('matches uuid v5 for empty, ASCII, non-ASCII and long names', () => {
    const random = seededRandom(8);
    const names = [
      '',
      ' ',
      '\u0000',
      'ü',
      '😀',
      'x'.repeat(55),
      'x'.repeat(56),
      'x'.repeat(64),
      'é'.repeat(10_000),
      ...Array.from({ length: 2000 }, (_, i) => randomName(random, i % 97)),
      ...Array.from({ length: 20 }, () => randomName(random, 1000 + Math.floor(random() * 4000))),
    ];
    for (const name of names) expect(auditEventId(name), JSON.stringify(name)).toBe(expected(name));
  });

  it('keeps version 5 and the RFC variant in lower-case 8-4-4-4-12 form', () => {
    const random = seededRandom(9);
    for (let i = 0; i < 500; i += 1) {
      expect(auditEventId(randomName(random, 20))).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it('keeps the id of a known name, whatever uuid does', () => {
    expect(auditEventId('worker-0:3:gateway.config.reloaded:sources')).toBe(GOLDEN);
  });

  it('hashes a lone surrogate as U+FFFD where uuid would refuse the name', () => {
    expect(() => expected('a\ud800b')).toThrow(URIError);
    expect(auditEventId('a\ud800b')).toBe(expected('a\ufffdb'));
  });
});
