import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, PatchError } from './patch.js';

describe('patch', () => {
  it('merge-patches nested objects, deletes on null and replaces arrays', () => {
    const target = { a: { b: 1, c: 2 }, list: [1, 2], keep: true };
    expect(applyMergePatch(target, { a: { b: null, d: 3 }, list: [3] })).toEqual({
      a: { c: 2, d: 3 },
      list: [3],
      keep: true,
    });
    expect(target).toEqual({ a: { b: 1, c: 2 }, list: [1, 2], keep: true });
  });

  it('applies add, remove, replace, move, copy and test operations in order', () => {
    const doc = { status: { phase: 'Pending' }, list: ['a', 'c'], 'x/y': 1 };
    const result = applyJsonPatch(doc, [
      { op: 'test', path: '/status/phase', value: 'Pending' },
      { op: 'replace', path: '/status/phase', value: 'Processing' },
      { op: 'add', path: '/list/1', value: 'b' },
      { op: 'add', path: '/list/-', value: 'd' },
      { op: 'copy', from: '/status/phase', path: '/status/previous' },
      { op: 'move', from: '/x~1y', path: '/moved' },
      { op: 'remove', path: '/list/0' },
    ]);
    expect(result).toEqual({
      status: { phase: 'Processing', previous: 'Processing' },
      list: ['b', 'c', 'd'],
      moved: 1,
    });
    expect(doc.status.phase).toBe('Pending');
  });

  it('compares test values structurally, whatever the key order', () => {
    expect(applyJsonPatch({ a: { x: 1, y: 2 } }, [{ op: 'test', path: '/a', value: { y: 2, x: 1 } }])).toEqual({
      a: { x: 1, y: 2 },
    });
  });

  it('throws PatchError for failed tests, missing paths and non-array patches', () => {
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(PatchError);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '/b', value: 2 }])).toThrow(PatchError);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '/a/b/c' }])).toThrow(PatchError);
    expect(() => applyJsonPatch({ a: 1 }, { op: 'add' })).toThrow(PatchError);
  });
});
