import { superLinearInputs } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { checkMediaType, parseMediaType } from './media-type.js';

describe('media-type', () => {
  it('parses type, subtype and parameters case-insensitively', () => {
    expect(parseMediaType('Application/JSON; Charset="utf-8"')).toEqual({
      essence: 'application/json',
      type: 'application',
      subtype: 'json',
      parameters: { charset: 'utf-8' },
    });
  });

  it('does not parse headers that are not media types', () => {
    for (const header of ['json', 'application/', '/json', 'application/json; =x', 'a b/c']) {
      expect(parseMediaType(header), header).toBeUndefined();
    }
  });

  it('accepts JSON, +json types, a missing header and the source list', () => {
    expect(checkMediaType(undefined, undefined)).toEqual({ ok: true });
    expect(checkMediaType('application/json;charset=utf-8', 'identity')).toEqual({ ok: true });
    expect(checkMediaType('application/problem+json', undefined)).toEqual({ ok: true });
    expect(checkMediaType('text/plain; charset=UTF-8', undefined, ['application/json', 'text/plain'])).toEqual({
      ok: true,
    });
  });

  it('answers 415 for other types and any encoding but identity, 400 for an unparsable header', () => {
    expect(checkMediaType('text/plain', undefined)).toMatchObject({ ok: false, slug: 'unsupported-media-type' });
    expect(checkMediaType('application/json', 'gzip')).toMatchObject({ ok: false, slug: 'unsupported-media-type' });
    expect(checkMediaType('garbage', undefined)).toMatchObject({ ok: false, slug: 'validation-error' });
  });

  it('keeps the same answers for empty parameters, whitespace and escapes', () => {
    expect(parseMediaType('text/plain ;; a=1 ;b="x\\"y" ;')?.parameters).toEqual({ a: '1', b: 'x"y' });
    for (const header of [
      'text/plain; a=1 b',
      'text/plain; a="x',
      'text/plain; a=',
      'text /plain',
      'text/plain;a="x\\',
    ]) {
      expect(parseMediaType(header), header).toBeUndefined();
    }
  });

  it('grows at most linearly on pathological headers', async () => {
    const failures = await superLinearInputs(
      parseMediaType,
      {
        'empty parameters then a control byte': (n) => `application/json${';  '.repeat(n)}\x01`,
        'an unterminated quoted string of escapes': (n) => `application/json; a="${'\\"'.repeat(n)}`,
        'many parameters': (n) => `application/json${'; a=b'.repeat(n)}`,
        'a long token': (n) => `application/${'j'.repeat(n)}\x01`,
      },
      { n: 1000 },
    );
    expect(failures).toEqual({});
  });
});
