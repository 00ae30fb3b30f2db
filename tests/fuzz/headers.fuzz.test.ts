import { createHmac } from 'node:crypto';
import { maxHeaderSize } from 'node:http';
import { connect } from 'node:net';
import { readFixture, readFixtureText } from '@gateway/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fuzzRuns } from '../support/fuzz-runs.js';
import {
  type IngressOnly,
  type SnsEnvelope,
  type SnsSigner,
  startIngressOnly,
  startSnsSigner,
  unixNow,
} from '../support/sources.js';

// Property: whatever value a sender puts in any header the ingress or a source reads (or in the query token),
// sent byte for byte over a raw socket, the ingress answers a complete HTTP response with the status that value
// calls for, within a bound no backtracking parser could meet on these sizes, and /readyz stays ready throughout.
// Values run up to Node's header size limit and past it, where Node refuses the request itself (431) and the
// ingress' clientError hook renders that refusal as a problem. Bytes Node's parser refuses (control characters)
// get its 400, rendered the same way. fast-check prints the seed of a failing run; FUZZ_SEED replays it.

const RUN_OPTIONS = fuzzRuns(60);
/**
 * Generous for a 2-core machine under a load average of 10+ (a readiness answer took 5.4 s there); the
 * backtracking Content-Type parser took seconds on 65 bytes and would take years on the values near the limit.
 */
const ANSWER_BOUND_MS = 15_000;
/** Node counts the head slightly differently from its byte length, so values stay clear of the limit's edge. */
const UNDER_LIMIT = maxHeaderSize - 512;
const OVER_LIMIT = maxHeaderSize + 512;

const CLUSTER_TOKEN = 'cluster-sender-token-0123456789abcdef';
const HMAC_SECRET = 'header-fuzz-hmac-secret-0123456789';
const ALARM_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerta-test';
const CLUSTER_ID = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** Bytes llhttp refuses in a header value: controls other than HTAB, and DEL. */
const refusedByNode = (value: string): boolean =>
  [...value].some((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && code !== 0x09) || code === 0x7f;
  });

// --- raw HTTP -----------------------------------------------------------------------------------------------------

interface RawRequest {
  path: string;
  headers: [string, string][];
  body: string;
}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

const headOf = (request: RawRequest): string =>
  `POST ${request.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(request.body)}\r\n${request.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;

/** The response once it is complete by its own framing (Content-Length or the last chunk), or a rejection. */
function exchange(port: number, request: RawRequest): Promise<RawAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`no complete answer within ${ANSWER_BOUND_MS} ms`)), ANSWER_BOUND_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`${error.message}; received ${JSON.stringify(received.toString('latin1').slice(0, 300))}`));
    };
    const complete = () => {
      const answer = parseAnswer(received);
      if (answer === undefined) return false;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...answer, ms: performance.now() - started });
      return true;
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      complete();
    });
    socket.on('end', () => {
      if (!complete()) fail(new Error('connection closed before a complete answer'));
    });
    // The server may answer and close before it read all of a refused head; the answer counts if it is complete.
    socket.on('error', (error) => {
      if (!complete()) fail(error);
    });
    socket.write(Buffer.from(headOf(request) + request.body, 'latin1'));
  });
}

function parseAnswer(bytes: Buffer): Omit<RawAnswer, 'ms'> | undefined {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
  if (status === null) throw new Error(`not an HTTP status line: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
  let body: Buffer | undefined;
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    body = rest.length >= length ? rest.subarray(0, length) : undefined;
  } else if (headers['transfer-encoding'] === 'chunked') {
    body = dechunk(rest);
  } else {
    throw new Error(`answer without framing: ${text.slice(0, end)}`);
  }
  return body === undefined ? undefined : { status: Number(status[1]), headers, body: body.toString('utf8') };
}

/** The body of a chunked message, or undefined until its last chunk arrived. */
function dechunk(bytes: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    if (bytes.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

// --- what each header calls for -----------------------------------------------------------------------------------

type Expected = number | readonly number[];

interface HeaderTarget {
  /** The header under test, or `?token` for the query token. */
  name: string;
  /** A request the ingress accepts (202) with `value` placed in the header or query under test. */
  request(value: string): RawRequest;
  /** Prefixes that steer generated values into the parser's deeper states. */
  prefixes: string[];
  /** The status for a value Node passes on to the ingress. */
  expected(value: string): Expected;
}

const inWindow = (value: string): boolean => {
  const text = value.trim();
  if (!/^[+-]?\d+$/.test(text)) return false;
  const age = unixNow() - Number(text);
  return Number(text) >= 0 && age <= 300 - 5 && age >= -120 + 5;
};

const hmacHex = (timestamp: string, body: string) =>
  createHmac('sha256', HMAC_SECRET).update(`${timestamp}:${body}`, 'utf8').digest('hex');

/** Node hands header values to the app decoded as latin1 and trimmed; signatures are computed over that text. */
const asReceived = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

function headerTargets(gw: IngressOnly, signedEnvelope: SnsEnvelope): HeaderTarget[] {
  const token = gw.stack.token;
  const event = readFixtureText('k8s_core_v1_event_normal_scalingreplicaset.json');
  const grafana = readFixtureText('grafana_unified_webhook_firing.json');
  const pagerduty = readFixtureText('pagerduty_events_v2_trigger.json');
  const sns = JSON.stringify(signedEnvelope);
  const eventRequest = (headers: [string, string][], bearer = token): RawRequest => ({
    path: '/api/v1/signals/kubernetes-event',
    headers: [['Content-Type', 'application/json'], ['Authorization', `Bearer ${bearer}`], ...headers],
    body: event,
  });
  const replace = (request: RawRequest, name: string, value: string): RawRequest => ({
    ...request,
    headers: [...request.headers.filter(([header]) => header.toLowerCase() !== name.toLowerCase()), [name, value]],
  });
  const onEvent = (name: string, prefixes: string[], expected: (value: string) => Expected): HeaderTarget => ({
    name,
    prefixes,
    expected,
    request: (value) => replace(eventRequest([]), name, value),
  });
  const now = String(unixNow());
  const grafanaRequest = (signature: string, timestamp: string): RawRequest => ({
    path: '/api/v1/signals/grafana',
    headers: [
      ['Content-Type', 'application/json'],
      ['Authorization', `Bearer ${token}`],
      ['X-Grafana-Alerting-Signature', signature],
      ['X-Grafana-Alerting-Timestamp', timestamp],
    ],
    body: grafana,
  });
  const pagerdutyRequest = (signature: string, timestamp: string): RawRequest => ({
    path: '/api/v1/signals/pagerduty',
    headers: [
      ['Content-Type', 'application/json'],
      ['X-Signature', signature],
      ['X-Signature-Timestamp', timestamp],
    ],
    body: pagerduty,
  });
  const snsRequest = (name: string, value: string): RawRequest =>
    replace(
      {
        path: '/api/v1/signals/cloudwatch',
        headers: [
          ['Content-Type', 'text/plain; charset=UTF-8'],
          ['x-amz-sns-message-type', 'Notification'],
          ['x-amz-sns-message-id', String(signedEnvelope.MessageId)],
          ['x-amz-sns-topic-arn', ALARM_TOPIC],
        ],
        body: sns,
      },
      name,
      value,
    );
  const onSns = (name: string, expected: (value: string) => Expected): HeaderTarget => ({
    name,
    prefixes: ['Notification', 'true', ''],
    expected,
    request: (value) => snsRequest(name, value),
  });
  return [
    // Parsed but not accepted is 415, unparsable is 400; which one a random value is, the parser decides.
    onEvent('Content-Type', ['application/json', 'application/json;', 'text/plain', 'application/'], () => [
      202, 400, 415,
    ]),
    onEvent('Content-Encoding', ['identity', 'gzip', ''], (value) =>
      ['', 'identity'].includes(asReceived(value).toLowerCase()) ? 202 : 415,
    ),
    onEvent('Authorization', ['Bearer ', 'Basic ', 'bearer', ''], () => 401),
    onEvent('X-Forwarded-For', ['1.2.3.4, ', '::ffff:', '[::1]', ''], () => 202),
    onEvent('X-Real-IP', ['1.2.3.4', '::ffff:', '['], () => 202),
    onEvent('X-Request-ID', ['req-', ''], () => 202),
    onEvent('X-Timestamp', [now, '+', '-', ''], (value) => (inWindow(value) ? 202 : 400)),
    {
      name: 'X-Cluster-ID',
      prefixes: ['prod-east', 'a.', 'a-', ''],
      expected: (value) => (CLUSTER_ID.test(asReceived(value)) ? 202 : 400),
      request: (value) => eventRequest([['X-Cluster-ID', value]], CLUSTER_TOKEN),
    },
    {
      name: 'X-Grafana-Alerting-Signature',
      prefixes: ['', 'sha256=', '0'],
      expected: () => 401,
      request: (value) => grafanaRequest(value, now),
    },
    {
      name: 'X-Grafana-Alerting-Timestamp',
      prefixes: [now, '+', ''],
      // Signed correctly, so only the window decides; outside it is the replay problem.
      expected: (value) => (inWindow(value) ? 202 : 400),
      request: (value) => grafanaRequest(hmacHex(asReceived(value), grafana), value),
    },
    {
      name: 'X-Signature',
      prefixes: ['sha256=', ''],
      expected: () => 401,
      request: (value) => pagerdutyRequest(value, now),
    },
    {
      name: 'X-Signature-Timestamp',
      prefixes: [now, '-', ''],
      expected: (value) => (inWindow(value) ? 202 : 400),
      request: (value) => pagerdutyRequest(`sha256=${hmacHex(asReceived(value), pagerduty)}`, value),
    },
    onSns('x-amz-sns-message-type', (value) => (asReceived(value) === 'Notification' ? 202 : 400)),
    // A raw delivery carries no signature, so it needs a token; this one has none.
    onSns('x-amz-sns-rawdelivery', (value) => (asReceived(value).toLowerCase() === 'true' ? [400, 401] : 202)),
    onSns('x-amz-sns-message-id', () => 202),
    onSns('x-amz-sns-topic-arn', () => 202),
    {
      name: '?token',
      prefixes: [token.slice(0, 8), '%', ''],
      expected: () => 401,
      request: (value) => ({
        path: `/api/v1/signals/azure-monitor?token=${encodeURIComponent(value)}`,
        headers: [['Content-Type', 'application/json']],
        body: readFixtureText('azure_common_metric_alert_fired.json'),
      }),
    },
  ];
}

// --- values -------------------------------------------------------------------------------------------------------

/** Units whose repetition has hurt header parsers: empty parameters, escapes, separators, whitespace. */
const UNITS = [';  ', ';', '\\"', '"', ',', ', ', ' ', '\t', '=', '[', ':', '.', '-', '+', '9', 'a', '1.1.1.1,', 'é'];
const TAILS = ['', 'x', '@', '"', '\\', ';', '=', ' x', '\x01', '\x7f'];

/** How much of the head the value may fill: a little, a lot, up to the limit, or past it. */
type Size = { kind: 'chars'; length: number } | { kind: 'under-limit' } | { kind: 'over-limit'; extra: number };

interface GeneratedValue {
  prefix: string;
  unit: string;
  size: Size;
  tail: string;
}

const valueArb = (prefixes: string[]): fc.Arbitrary<GeneratedValue> =>
  fc.record({
    prefix: fc.constantFrom(...prefixes),
    unit: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...UNITS) },
      {
        weight: 1,
        // CR and LF would frame a different request rather than carry a strange value.
        arbitrary: fc
          .string({ unit: 'binary-ascii', minLength: 1, maxLength: 6 })
          .filter((unit) => !unit.includes('\r') && !unit.includes('\n')),
      },
    ),
    size: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 300 }).map((length) => ({ kind: 'chars' as const, length })) },
      {
        weight: 2,
        arbitrary: fc.integer({ min: 300, max: 8_000 }).map((length) => ({ kind: 'chars' as const, length })),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'under-limit' as const }) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 0, max: 4_000 }).map((extra) => ({ kind: 'over-limit' as const, extra })),
      },
    ),
    tail: fc.constantFrom(...TAILS),
  });

/** The known-pathological values, each at the size of the reported attack and filling the head. */
const KNOWN: GeneratedValue[] = [
  { prefix: 'application/json', unit: ';  ', size: { kind: 'chars', length: 48 }, tail: 'x' },
  { prefix: 'application/json', unit: ';  ', size: { kind: 'chars', length: 48 }, tail: '\x01' },
  { prefix: 'application/json', unit: ';  ', size: { kind: 'under-limit' }, tail: 'x' },
  { prefix: 'application/json; a="', unit: '\\"', size: { kind: 'under-limit' }, tail: '' },
  { prefix: 'Bearer ', unit: ' ', size: { kind: 'under-limit' }, tail: 'x' },
  { prefix: '', unit: '1.1.1.1,', size: { kind: 'under-limit' }, tail: '' },
  { prefix: 'a', unit: '.-', size: { kind: 'under-limit' }, tail: '' },
  { prefix: '+', unit: '9', size: { kind: 'under-limit' }, tail: 'x' },
  { prefix: 'sha256=', unit: 'a', size: { kind: 'under-limit' }, tail: '' },
  { prefix: '', unit: 'a', size: { kind: 'over-limit', extra: 0 }, tail: '' },
];

/** Renders `value` into the request, sized against the head the other headers already take. */
function render(target: HeaderTarget, value: GeneratedValue): { request: RawRequest; value: string } {
  const fill = (length: number) => {
    const text = `${value.prefix}${value.unit.repeat(Math.ceil(Math.max(0, length) / value.unit.length))}`;
    return `${text.slice(0, Math.max(value.prefix.length, length))}${value.tail}`;
  };
  const headBytes = (text: string) => Buffer.byteLength(headOf(target.request(text)), 'latin1');
  const base = headBytes('');
  // Percent-encoding in the query can triple a character; a first render measures how much the value grows.
  const growth = (text: string) => Math.max(1, (headBytes(text) - base) / Math.max(1, text.length));
  let length = value.size.kind === 'chars' ? value.size.length : 0;
  if (value.size.kind !== 'chars') {
    const sample = fill(1_000);
    const room = (value.size.kind === 'under-limit' ? UNDER_LIMIT : OVER_LIMIT + value.size.extra) - base;
    length = Math.floor(room / growth(sample)) - value.tail.length;
  }
  let text = fill(length);
  // Whatever the units, the head stays clear of the band around the limit where Node's count and ours differ.
  while (headBytes(text) > UNDER_LIMIT && headBytes(text) <= OVER_LIMIT) {
    length -= 64;
    text = fill(length);
  }
  return { request: target.request(text), value: text };
}

/**
 * Node decides first: a refused byte is its 400 and a head over the limit its 431, whichever its parser meets
 * first; leading whitespace of a header value is skipped uncounted. Near the limit either answer is right.
 */
function expectedStatuses(target: HeaderTarget, request: RawRequest, value: string): readonly number[] {
  const head = headOf(request);
  const own = [target.expected(value)].flat();
  // Only header values have leading whitespace Node skips; in the query it is percent-encoded and counted.
  const leading = target.name.startsWith('?') ? 0 : value.length - value.replace(/^[ \t]+/, '').length;
  const counted = Buffer.byteLength(head, 'latin1') - leading;
  const refusedInValue = [...value].findIndex((char) => refusedByNode(char));
  const refusedAt =
    target.name.startsWith('?') || refusedInValue === -1
      ? undefined
      : head.indexOf(`${target.name}: ${value}`) + target.name.length + 2 + refusedInValue;
  if (refusedAt !== undefined && refusedAt < UNDER_LIMIT) return [400];
  if (counted > OVER_LIMIT) return refusedAt === undefined || refusedAt > OVER_LIMIT ? [431] : [400, 431];
  if (counted > UNDER_LIMIT) return [...own, 431, ...(refusedAt === undefined ? [] : [400])];
  return refusedAt === undefined ? own : [400];
}

// --- the run ------------------------------------------------------------------------------------------------------

describe('headers under fuzzing', () => {
  let signer: SnsSigner;
  let gw: IngressOnly;
  let targets: HeaderTarget[];
  let port: number;
  let slowest = 0;
  const readiness: { stop: boolean; failures: string[]; done?: Promise<void> } = { stop: false, failures: [] };

  beforeAll(async () => {
    signer = await startSnsSigner();
    gw = await startIngressOnly({
      server: { trustedProxies: ['127.0.0.0/8', '::1/128'] },
      rateLimits: { enabled: false },
      multiCluster: { enabled: true },
      auth: { tokens: [{ id: 'cluster-sender', token: CLUSTER_TOKEN, allowClusterHeader: true }] },
      sources: {
        cloudwatch: { enabled: true, topicArns: [ALARM_TOPIC], ...signer.sourceOptions },
        'azure-monitor': { enabled: true },
        grafana: { enabled: true, hmac: { secret: HMAC_SECRET, timestampHeader: 'X-Grafana-Alerting-Timestamp' } },
        pagerduty: {
          type: 'custom',
          enabled: true,
          signalSource: 'pagerduty-events',
          auth: { mode: 'signature' },
          hmac: {
            secret: HMAC_SECRET,
            header: 'X-Signature',
            prefix: 'sha256=',
            timestampHeader: 'X-Signature-Timestamp',
          },
          mapping: {
            signalName: 'payload.summary',
            severity: 'payload.severity',
            target: { kind: "'StatefulSet'", name: 'payload.component', namespace: 'payload.group' },
          },
        },
      },
    });
    port = Number(new URL(gw.stack.ingressUrl).port);
    const envelope = { ...readFixture<SnsEnvelope>('sns_notification_cloudwatch_alarm.json'), TopicArn: ALARM_TOPIC };
    targets = headerTargets(gw, signer.sign(envelope));
    // Polled for the whole run, not only between tests: a stalled event loop shows as a slow or failed probe.
    readiness.done = (async () => {
      while (!readiness.stop) {
        const started = performance.now();
        const answer = await fetch(`${gw.stack.ingressUrl}/readyz`, { signal: AbortSignal.timeout(ANSWER_BOUND_MS) })
          .then((response) => `${response.status}`)
          .catch((error: Error) => error.message);
        const ms = performance.now() - started;
        if (answer !== '200') readiness.failures.push(`readyz answered ${answer} after ${Math.round(ms)} ms`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
  }, 60_000);

  afterAll(async () => {
    readiness.stop = true;
    await readiness.done;
    await gw?.close();
    await signer?.close();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(gw?.stack.logs()));
  });

  async function check(target: HeaderTarget, generated: GeneratedValue): Promise<void> {
    const { request, value } = render(target, generated);
    const headBytes = Buffer.byteLength(headOf(request), 'latin1');
    const shown = `${target.name}: ${JSON.stringify(value.length > 120 ? `${value.slice(0, 60)}…${value.slice(-60)}` : value)} (${value.length} chars, head ${headBytes} bytes)`;
    const answer = await exchange(port, request).catch((error: Error) => {
      throw new Error(`${shown}: ${error.message}`);
    });
    slowest = Math.max(slowest, answer.ms);
    const context = `${shown}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`;
    const expected = expectedStatuses(target, request, value);
    expect(expected, context).toContain(answer.status);
    expect(answer.ms, context).toBeLessThan(ANSWER_BOUND_MS);
    if (answer.status >= 400) {
      expect(answer.headers['content-type'] ?? '', context).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(answer.body), context).toMatchObject({
        type: expect.stringMatching(/^https:\/\/kubernaut\.ai\/problems\/[a-z-]+$/),
        status: answer.status,
        detail: expect.stringMatching(/\S/),
        request_id: expect.any(String),
      });
    }
  }

  it('accepts the unmodified request of every target', async () => {
    for (const target of targets) {
      const base = target.request('');
      const withDefault = base.headers.some(([name]) => name === target.name)
        ? base
        : target.request(target.prefixes[0] ?? '');
      const answer = await exchange(port, withDefault);
      expect(answer.status, `${target.name}: ${answer.body}`).toBeLessThan(500);
    }
  });

  it('answers known pathological values on every header quickly and with the expected status', async () => {
    for (const target of targets) {
      for (const known of KNOWN) await check(target, known);
    }
  });

  for (const name of [
    'Content-Type',
    'Content-Encoding',
    'Authorization',
    'X-Forwarded-For',
    'X-Real-IP',
    'X-Request-ID',
    'X-Timestamp',
    'X-Cluster-ID',
    'X-Grafana-Alerting-Signature',
    'X-Grafana-Alerting-Timestamp',
    'X-Signature',
    'X-Signature-Timestamp',
    'x-amz-sns-message-type',
    'x-amz-sns-rawdelivery',
    'x-amz-sns-message-id',
    'x-amz-sns-topic-arn',
    '?token',
  ]) {
    it(`answers generated ${name} values completely, quickly and with the expected status`, async () => {
      const target = targets.find((candidate) => candidate.name === name) as HeaderTarget;
      await fc.assert(
        fc.asyncProperty(valueArb(target.prefixes), (generated) => check(target, generated)),
        RUN_OPTIONS,
      );
    });
  }

  it('stayed ready throughout, every answer within the bound', () => {
    expect(readiness.failures).toEqual([]);
    expect(slowest).toBeLessThan(ANSWER_BOUND_MS);
  });
});
