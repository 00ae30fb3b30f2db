import { superLinearInputs } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { redisCredentialsProblem } from './redis-credentials.js';
import { redactForLog } from './secrets.js';

describe('redactForLog', () => {
  it('drops the arguments of a failed Redis command, wherever the error is nested', () => {
    const serialized = {
      type: 'GatewayError',
      message: 'redis.admit failed',
      cause: { type: 'ReplyError', message: 'WRONGPASS', command: { name: 'auth', args: ['gateway', 'hunter2'] } },
      errors: [{ command: { name: 'evalsha', args: ['sha', '1', 'payload'] } }],
    };
    const logged = JSON.stringify(redactForLog(serialized));
    expect(logged).not.toContain('hunter2');
    expect(logged).not.toContain('payload');
    expect(redactForLog(serialized).cause.command).toEqual({ name: 'auth', args: '<redacted>' });
  });

  it('redacts URL passwords anywhere in a message, up to the last @ of the authority', () => {
    expect(redactForLog('connect rediss://gateway:p@ss/w0rd@redis:6380/0 failed')).toBe(
      'connect rediss://gateway:<redacted>@ss/w0rd@redis:6380/0 failed',
    );
    expect(redactForLog({ message: 'to redis://:p@ss@10.0.0.1:6379 and redis://h:6379' })).toEqual({
      message: 'to redis://:<redacted>@10.0.0.1:6379 and redis://h:6379',
    });
  });
});

describe('redisCredentialsProblem', () => {
  it('names REDIS_URL when Redis refuses the password or wants one, and ignores other errors', () => {
    const wrongPassword = Object.assign(new Error('WRONGPASS invalid username-password pair or user is disabled.'), {
      command: { name: 'auth', args: ['gateway', 'hunter2'] },
    });
    expect(redisCredentialsProblem(wrongPassword)).toMatch(
      /^Redis refused the user and password of REDIS_URL \(WRONGPASS/,
    );
    expect(redisCredentialsProblem(new Error('Ready check failed: NOAUTH Authentication required.'))).toContain(
      'NOAUTH',
    );
    expect(redisCredentialsProblem(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBeUndefined();
    expect(redisCredentialsProblem(new Error("NOPERM this user has no permissions to run the 'keys' command"))).toBe(
      undefined,
    );
  });
});

describe('redactForLog cost', () => {
  it('redacts URL passwords in linear time on long and pathological messages', async () => {
    const inputs = {
      letters: (n: number) => 'a'.repeat(n),
      schemes: (n: number) => 'redis'.repeat(n),
      separators: (n: number) => '://a:'.repeat(n),
      'password without @': (n: number) => `redis://user:${'p:'.repeat(n)}`,
      'many @': (n: number) => `redis://user:${'@'.repeat(n)}`,
    };
    expect(await superLinearInputs(redactForLog, inputs, { n: 2_000 })).toEqual({});
  });
});
