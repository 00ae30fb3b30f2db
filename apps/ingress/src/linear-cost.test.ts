import { superLinearInputs } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { readPresentedCredential } from './auth/presented-credential.js';
import { findTokenByDigest, tokenDigest } from './auth/token-digest.js';
import { compileTrustedProxies, resolveClientIp } from './http/client-ip.js';
import { decodeJsonBody } from './http/json-body.js';
import { checkMediaType } from './http/media-type.js';
import { checkReplayWindow } from './http/replay-window.js';
import { resolveRequestId } from './http/request-id.js';
import type { TokenCredential } from './settings/ingress-settings.js';
import { isValidClusterId } from './signals/cluster-id.js';

type Inputs<T> = Record<string, (n: number) => T>;

/** Every header and query value the ingress reads before or during authentication, at sizes n and 8n. */
async function expectLinear<T>(fn: (input: T) => unknown, inputs: Inputs<T>): Promise<void> {
  expect(await superLinearInputs(fn, inputs, { n: 500 })).toEqual({});
}

const TOKENS: TokenCredential[] = ['t1', 't2', 't3'].map((id) => ({
  id,
  digest: tokenDigest(id),
  scopes: ['signals'],
  sources: '*',
  allowClusterHeader: false,
}));

describe('presented-credential', () => {
  it('reads Authorization headers and query tokens in linear time', async () => {
    const lookUp = (input: { authorization?: string; queryToken?: string }) => {
      const credential = readPresentedCredential({
        authorization: input.authorization,
        queryToken: input.queryToken,
        allowQueryToken: true,
      });
      return credential.kind === 'token' ? findTokenByDigest(credential.token, TOKENS) : credential;
    };
    await expectLinear(lookUp, {
      'a long bearer token': (n) => ({ authorization: `Bearer ${'a'.repeat(n)}` }),
      'bearer then spaces': (n) => ({ authorization: `Bearer${' '.repeat(n)}x` }),
      'a long scheme': (n) => ({ authorization: 'B'.repeat(n) }),
      'basic of colons': (n) => ({ authorization: `Basic ${Buffer.from(':'.repeat(n)).toString('base64')}` }),
      'basic of garbage': (n) => ({ authorization: `Basic ${'=!'.repeat(n)}` }),
      'a long query token': (n) => ({ queryToken: '%'.repeat(n) }),
    });
  });
});

describe('client-ip', () => {
  it('walks X-Forwarded-For and X-Real-IP in linear time', async () => {
    const trusted = compileTrustedProxies(['10.0.0.0/8', '::1']);
    const resolve = (headers: { forwardedFor?: string; realIp?: string }) =>
      resolveClientIp({ peerAddress: '10.0.0.1', forwardedFor: headers.forwardedFor, realIp: headers.realIp }, trusted);
    await expectLinear(resolve, {
      'many trusted hops': (n) => ({ forwardedFor: '10.1.1.1,'.repeat(n) }),
      'many empty hops': (n) => ({ forwardedFor: ','.repeat(n), realIp: '::ffff:'.repeat(n) }),
      'brackets and colons': (n) => ({ forwardedFor: `[${':'.repeat(n)}]` }),
      'a long real ip': (n) => ({ realIp: `${'1.'.repeat(n)}1` }),
    });
  });
});

describe('headers', () => {
  it('checks Content-Type and Content-Encoding in linear time', async () => {
    await expectLinear((headers: [string, string]) => checkMediaType(...headers), {
      'empty parameters then a control byte': (n): [string, string] => [
        `application/json${';  '.repeat(n)}\x01`,
        'identity',
      ],
      'a long encoding': (n): [string, string] => ['application/json', ` ${'gzip,'.repeat(n)}`],
    });
  });

  it('checks X-Timestamp, X-Cluster-ID and X-Request-ID in linear time', async () => {
    const now = Date.now();
    await expectLinear((value: string) => checkReplayWindow(value, now, true), {
      'a long number with a bad end': (n) => `+${'9'.repeat(n)}x`,
      'signs and spaces': (n) => `${' '.repeat(n)}+-${' '.repeat(n)}`,
    });
    await expectLinear((value: string) => isValidClusterId(value.trim()), {
      'dots and dashes then a bad end': (n) => `a${'.-'.repeat(n)}`,
      'a long valid-looking id': (n) => 'a'.repeat(n),
    });
    await expectLinear((value: string) => resolveRequestId(value, () => 'generated'), {
      'a long id': (n) => 'a'.repeat(n),
      'a long id with a bad end': (n) => `${':'.repeat(n)}!`,
    });
  });
});

describe('json-body', () => {
  it('decodes bodies and locates syntax errors in linear time', async () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    await expectLinear(decodeJsonBody, {
      'deep nesting': (n) => bytes(`${'['.repeat(n)}${']'.repeat(n)}`),
      'deep nesting left open': (n) => bytes(`${'{"a":['.repeat(n)}x`),
      'a long string of escapes then a bad one': (n) => bytes(`"${'\\u0041'.repeat(n)}\\x"`),
      'many members then a missing colon': (n) => bytes(`{${'"a":1,'.repeat(n)}"b"}`),
    });
  });
});
