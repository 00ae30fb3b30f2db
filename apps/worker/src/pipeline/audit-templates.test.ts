import { describe, expect, it } from 'vitest';
import { AUDIT_SENTINEL, toAuditTemplate } from './audit-templates.js';
import { AUDIT_PLACEHOLDER } from './window-store.js';

describe('audit-templates', () => {
  it('swaps every sentinel for its placeholder and leaves everything else as JSON.stringify wrote it', () => {
    const event = {
      correlation_id: AUDIT_SENTINEL.rrName,
      event_data: {
        remediation_request: `${AUDIT_SENTINEL.rrNamespace}/${AUDIT_SENTINEL.rrName}`,
        occurrence_count: AUDIT_SENTINEL.count,
        again: AUDIT_SENTINEL.rrName,
        text: 'rr|ns (.*) \\u0000 [not a sentinel]',
      },
    };
    const template = toAuditTemplate(event);
    const expected = JSON.stringify({
      ...event,
      correlation_id: 'R',
      event_data: { ...event.event_data, remediation_request: 'F', occurrence_count: 'C', again: 'R' },
    })
      .replace('"R"', AUDIT_PLACEHOLDER.rrName)
      .replace('"F"', AUDIT_PLACEHOLDER.rrRef)
      .replace('"C"', AUDIT_PLACEHOLDER.count)
      .replace('"R"', AUDIT_PLACEHOLDER.rrName);
    expect(template).toBe(expected);
    expect(template).not.toContain('gateway:');
  });
});
