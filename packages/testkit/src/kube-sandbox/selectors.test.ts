import { describe, expect, it } from 'vitest';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';

describe('selectors', () => {
  const gold = { tier: 'gold', env: 'prod' };
  const silver = { tier: 'silver' };

  it('matches equality, inequality and existence requirements', () => {
    expect(parseLabelSelector('tier=gold')(gold)).toBe(true);
    expect(parseLabelSelector('tier==gold')(silver)).toBe(false);
    expect(parseLabelSelector('tier!=gold')(silver)).toBe(true);
    expect(parseLabelSelector('tier!=gold')(undefined)).toBe(true);
    expect(parseLabelSelector('env')(gold)).toBe(true);
    expect(parseLabelSelector('!env')(gold)).toBe(false);
    expect(parseLabelSelector('tier=gold,env=prod')(gold)).toBe(true);
    expect(parseLabelSelector('')(undefined)).toBe(true);
  });

  it('matches set requirements whose value lists contain commas', () => {
    expect(parseLabelSelector('tier in (gold, silver),env')(gold)).toBe(true);
    expect(parseLabelSelector('tier in (gold, silver),env')(silver)).toBe(false);
    expect(parseLabelSelector('tier notin (gold)')(silver)).toBe(true);
    expect(parseLabelSelector('tier notin (gold)')({})).toBe(true);
    expect(parseLabelSelector('tier in (gold)')({})).toBe(false);
  });

  it('throws SelectorError for requirements it cannot parse', () => {
    expect(() => parseLabelSelector('tier in gold')).toThrow(SelectorError);
    expect(() => parseLabelSelector('a=b=c')).toThrow(SelectorError);
  });

  it('matches field selectors only on known fields', () => {
    const fields = ['metadata.name', 'spec.signalFingerprint'];
    const match = parseFieldSelector('metadata.name=rr-1,spec.signalFingerprint!=abc', fields);
    expect(match({ 'metadata.name': 'rr-1', 'spec.signalFingerprint': 'def' })).toBe(true);
    expect(match({ 'metadata.name': 'rr-1', 'spec.signalFingerprint': 'abc' })).toBe(false);
    expect(parseFieldSelector('spec.signalFingerprint=', fields)({})).toBe(true);
    expect(() => parseFieldSelector('spec.severity=critical', fields)).toThrow(
      'field label not supported: spec.severity',
    );
  });
});
