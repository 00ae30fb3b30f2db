import { GatewayConfigSchema } from '@gateway/config';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_TIMEOUT_MS } from './ingress-process-settings.js';

describe('ingress-process-settings', () => {
  it('knows the largest server.requestTimeout a reload can set', () => {
    const accepts = (requestTimeout: number) => GatewayConfigSchema.safeParse({ server: { requestTimeout } }).success;
    expect(accepts(MAX_REQUEST_TIMEOUT_MS)).toBe(true);
    expect(accepts(MAX_REQUEST_TIMEOUT_MS + 1)).toBe(false);
  });
});
