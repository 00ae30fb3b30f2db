import { describe, expect, it } from 'vitest';
import { createSeverityLabeler, MAX_DISTINCT_SEVERITIES } from './severity-label.js';

describe('severity-label', () => {
  it('lowercases short plain severities', () => {
    const label = createSeverityLabeler();
    expect(label('Critical')).toBe('critical');
    expect(label('P1_high-x')).toBe('p1_high-x');
  });

  it('maps unusual values to other', () => {
    const label = createSeverityLabeler();
    for (const raw of ['very severe', 'x'.repeat(21), 'sév', '']) expect(label(raw), raw).toBe('other');
  });

  it('stops adding new label values after the distinct limit but keeps known ones', () => {
    const label = createSeverityLabeler();
    for (let i = 0; i < MAX_DISTINCT_SEVERITIES; i++) expect(label(`s${i}`)).toBe(`s${i}`);
    expect(label('brand-new')).toBe('other');
    expect(label('s0')).toBe('s0');
  });
});
