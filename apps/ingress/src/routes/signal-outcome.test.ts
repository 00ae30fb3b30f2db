import { describe, expect, it } from 'vitest';
import { signalOutcome } from './signal-outcome.js';

describe('signal-outcome', () => {
  it('counts refusals a configuration can cause as errors', () => {
    for (const status of [400, 401, 403, 415, 500]) expect(signalOutcome(status, 0), String(status)).toBe(true);
  });

  it('counts a 202 as an error only when the delivery had rejected items', () => {
    expect(signalOutcome(202, 0)).toBe(false);
    expect(signalOutcome(202, 2)).toBe(true);
  });

  it('counts overload, size and method answers as requests without errors, and leaves 404 out', () => {
    for (const status of [200, 405, 413, 429, 503]) expect(signalOutcome(status, 0), String(status)).toBe(false);
    expect(signalOutcome(404, 0)).toBeUndefined();
  });
});
