import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from './duration.js';
import { loadConfig } from './load-config.js';

describe('duration', () => {
  it('parses every unit and plain integer milliseconds', () => {
    expect(['250ms', '10s', '5m', '24h', '7d', 1500, 0, '0s'].map(parseDurationMs)).toEqual([
      250, 10_000, 300_000, 86_400_000, 604_800_000, 1500, 0, 0,
    ]);
  });

  it('rejects fractions, negatives, spaces, unknown units and numeric strings', () => {
    expect(['1.5s', -5, 1.5, '10 s', '10S', '10w', '100', '', null, true].map(parseDurationMs)).toEqual(
      Array(10).fill(undefined),
    );
  });

  it('formats with the largest whole unit', () => {
    expect([100, 1000, 60_000, 90_000, 3_600_000, 604_800_000].map(formatDurationMs)).toEqual([
      '100ms',
      '1s',
      '1m',
      '90s',
      '1h',
      '7d',
    ]);
  });

  it('normalises configured durations to milliseconds and enforces their ranges', () => {
    const ok = loadConfig({
      env: { GATEWAY_CFG__DEDUP__FLUSH_INTERVAL: '250ms', GATEWAY_CFG__QUEUE__FAILED_RETENTION: '2d' },
    });
    expect(ok.ok && [ok.config.dedup.flushInterval, ok.config.queue.failedRetention]).toEqual([250, 172_800_000]);

    const bad = loadConfig({
      env: { GATEWAY_CFG__SERVER__REQUEST_TIMEOUT: '2m', GATEWAY_CFG__DEDUP__FLUSH_INTERVAL: '1.5s' },
    });
    expect(bad.ok ? [] : bad.problems.map((p) => [p.path, p.value, p.rule, p.suggestion])).toEqual([
      ['server.requestTimeout', '2m', 'must be between 1s and 1m', 'use at most 1m'],
      [
        'dedup.flushInterval',
        '1.5s',
        'must be a duration: integer milliseconds or a string matching ^[0-9]+(ms|s|m|h|d)$',
        'write it like 1s',
      ],
    ]);
  });
});
