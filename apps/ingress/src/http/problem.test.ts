import { PROBLEM_CONTENT_TYPE, ProblemDetailsSchema } from '@gateway/contracts';
import { describe, expect, it } from 'vitest';
import { ProblemError, problemBody, problemResponse, retryAfter } from './problem.js';

describe('problem', () => {
  it('renders the RFC 7807 members from the stable problem types', () => {
    const error = new ProblemError('payload-too-large', 'Request body exceeds 10 bytes');
    expect(problemBody(error, '/api/v1/signals/prometheus', 'req-12345678')).toEqual({
      type: 'https://kubernaut.ai/problems/payload-too-large',
      title: 'Request Entity Too Large',
      status: 413,
      detail: 'Request body exceeds 10 bytes',
      instance: '/api/v1/signals/prometheus',
      request_id: 'req-12345678',
    });
  });

  it('adds errors and extensions without letting extensions override the standard members', () => {
    const error = new ProblemError('validation-error', 'fix it', {
      errors: [{ index: 1, pointer: '/alerts/1', message: 'bad' }],
      extensions: { status: 999, checks: { redis: 'unavailable' } },
    });
    const body = ProblemDetailsSchema.parse(problemBody(error, '/x', 'req-12345678'));
    expect(body.status).toBe(400);
    expect(body.errors).toEqual([{ index: 1, pointer: '/alerts/1', message: 'bad' }]);
    expect(body.checks).toEqual({ redis: 'unavailable' });
  });

  it('uses the overriding status for rate-limited answers and sets the problem content type', async () => {
    const response = problemResponse(
      new ProblemError('rate-limited', 'slow down', { status: 503, headers: retryAfter(2.2) }),
      '/x',
      'req-12345678',
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.headers.get('retry-after')).toBe('3');
  });

  it('never advertises a Retry-After below one second', () => {
    expect(retryAfter(0)).toEqual({ 'Retry-After': '1' });
  });
});
