import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProcessLogger } from './process-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe('process-logger', () => {
  it('redacts credentials wherever a call puts them and keeps the rest', () => {
    const { lines, destination } = capture();
    const logger = createProcessLogger({ base: { service: 'test' }, level: 'info', format: 'json', destination });
    logger.info(
      {
        token: 'secret-1',
        redis: { password: 'secret-2' },
        req: { headers: { authorization: 'Bearer secret-3', accept: '*/*' } },
        headers: { 'x-hub-signature': 'secret-4' },
      },
      'hello',
    );
    expect(JSON.stringify(lines)).not.toMatch(/secret-\d/);
    expect(lines[0]).toMatchObject({
      service: 'test',
      level: 'info',
      msg: 'hello',
      token: '[REDACTED]',
      req: { headers: { accept: '*/*' } },
    });
  });

  it('adds the trace fields of the moment to each line when tracing is on', () => {
    const { lines, destination } = capture();
    let fields: Record<string, string> | undefined = { trace_id: 'abc', span_id: 'def' };
    const logger = createProcessLogger({
      base: {},
      level: 'info',
      format: 'json',
      destination,
      traceFields: () => fields,
    });
    logger.info('traced');
    fields = undefined;
    logger.info('not traced');
    expect(lines.map((line) => line.trace_id)).toEqual(['abc', undefined]);
  });

  it('redacts passwords in URLs of serialised errors', () => {
    const { lines, destination } = capture();
    const logger = createProcessLogger({ base: {}, level: 'info', format: 'json', destination });
    logger.error({ err: new Error('connect redis://gateway:hunter2@redis:6379 failed') }, 'failed');
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});
