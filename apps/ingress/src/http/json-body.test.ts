import { describe, expect, it } from 'vitest';
import { decodeJsonBody, MAX_JSON_DEPTH } from './json-body.js';
import { findJsonErrorOffset } from './json-error-offset.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('json-body', () => {
  it('parses valid UTF-8 JSON', () => {
    expect(decodeJsonBody(bytes('{"a":["é",1.5e3,true,null]}'))).toEqual({
      ok: true,
      value: { a: ['é', 1500, true, null] },
    });
  });

  it('gives the byte offset of a syntax error, counting multi-byte characters as bytes', () => {
    // "é" is two bytes, so the stray x sits at byte 10 although it is character 9.
    const result = decodeJsonBody(bytes('{"a":"é" x}'));
    expect(result).toEqual({ ok: false, detail: expect.stringContaining('byte offset 10') });
  });

  it('never quotes the body in the detail', () => {
    const result = decodeJsonBody(bytes('{"password": hunter2}'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.detail).not.toContain('hunter2');
  });

  it('reports empty bodies, truncated JSON and invalid UTF-8', () => {
    expect(decodeJsonBody(new Uint8Array())).toMatchObject({ ok: false, detail: expect.stringContaining('empty') });
    expect(decodeJsonBody(bytes('{"a":1'))).toMatchObject({
      ok: false,
      detail: expect.stringContaining('ends unexpectedly'),
    });
    expect(decodeJsonBody(new Uint8Array([0x22, 0xc3, 0x28, 0x22]))).toMatchObject({
      ok: false,
      detail: expect.stringContaining('UTF-8'),
    });
  });

  it('locates errors the way the JSON grammar defines them', () => {
    const cases: [string, number][] = [
      ['[1 2]', 3],
      ['{"a":1,}', 7],
      ['01', 1],
      ['{"a":1}}', 7],
      ['"\\x"', 2],
      ['[-]', 2],
      ['tru', 3],
      ['  ', 2],
      ['{"a" 1}', 5],
      ['[1.]', 3],
    ];
    for (const [text, offset] of cases) expect(findJsonErrorOffset(bytes(text)), text).toBe(offset);
  });

  it('locates errors in input nested far deeper than the call stack allows', () => {
    expect(findJsonErrorOffset(bytes('['.repeat(100_000)))).toBe(100_000);
    expect(findJsonErrorOffset(bytes(`${'{"a":'.repeat(50_000)}1x`))).toBe(250_001);
    expect(findJsonErrorOffset(bytes(`${'['.repeat(50_000)}1${']'.repeat(50_000)}]`))).toBe(100_001);
    expect(decodeJsonBody(bytes('['.repeat(10_000)))).toEqual({
      ok: false,
      detail: expect.stringContaining('ends unexpectedly'),
    });
  });

  it('finds no error in valid nested documents', () => {
    for (const text of [
      '[[],{},[{}]]',
      '{"a":{"b":[1,{"c":null}]},"d":"e"}',
      ` ${'['.repeat(5000)}${']'.repeat(5000)} `,
    ]) {
      expect(findJsonErrorOffset(bytes(text)), text).toBe(text.length);
    }
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more, naming the limit`, () => {
    const nested = (depth: number) => bytes(`{"extra":${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}}`);
    expect(decodeJsonBody(nested(MAX_JSON_DEPTH))).toMatchObject({ ok: true });
    expect(decodeJsonBody(nested(MAX_JSON_DEPTH + 1))).toEqual({
      ok: false,
      detail: expect.stringContaining(`limit of ${MAX_JSON_DEPTH} levels`),
    });
    expect(decodeJsonBody(nested(10_000))).toMatchObject({ ok: false });
  });
});
