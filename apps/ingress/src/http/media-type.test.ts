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
});
