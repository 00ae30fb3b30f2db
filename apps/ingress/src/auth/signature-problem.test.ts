import { problemType } from '@gateway/contracts';
import { describe, expect, it } from 'vitest';
import { problemBody } from '../http/problem.js';
import { signatureProblem } from './signature-problem.js';

const render = (error: ReturnType<typeof signatureProblem>) => ({
  ...problemBody(error, '/api/v1/signals/x', 'req-00000001'),
  headers: error.options.headers,
  reason: error.options.reason,
});

describe('signature-problem', () => {
  it('answers a replayed signed timestamp with 400 replay-rejected although the verdict says 401', () => {
    const problem = signatureProblem(
      { ok: false, status: 401, problem: 'replay-rejected', detail: 'timestamp too old' },
      5,
    );
    expect(render(problem)).toMatchObject({
      type: problemType('replay-rejected'),
      status: 400,
      detail: 'timestamp too old',
      reason: 'replay',
    });
  });

  it('maps 403 to forbidden, 503 to service-unavailable with Retry-After and 401 to signature-invalid', () => {
    expect(render(signatureProblem({ ok: false, status: 403, detail: 'TopicArn is not allowed' }, 5))).toMatchObject({
      type: problemType('forbidden'),
      status: 403,
      reason: 'forbidden',
    });
    expect(render(signatureProblem({ ok: false, status: 503, detail: 'certificate unreachable' }, 7))).toMatchObject({
      type: problemType('service-unavailable'),
      status: 503,
      headers: { 'Retry-After': '7' },
    });
    expect(render(signatureProblem({ ok: false, status: 401, detail: 'bad signature' }, 5))).toMatchObject({
      type: problemType('signature-invalid'),
      status: 401,
      detail: 'bad signature',
      reason: 'signature_invalid',
    });
  });
});
