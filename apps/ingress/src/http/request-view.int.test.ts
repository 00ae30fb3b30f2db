import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { PROBLEM_CONTENT_TYPE, ProblemDetailsSchema, problemType } from '@gateway/contracts';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIngress, TEST_TOKENS, type TestIngress } from '../testing/test-ingress.js';
import type { LimitedBody } from './read-limited-body.js';
import { nodeRequestView, type RequestView, webRequestView } from './request-view.js';

// Both views are read over the same bytes sent on a real socket: the Node view straight from the IncomingMessage,
// the web view from a `Request` built as @hono/node-server builds one (raw header list appended in order, the
// IncomingMessage as its body stream), so a difference between them is a difference of the views alone.

/** Generous for a loaded 2-core machine; a view that hangs never settles at all. */
const SETTLE_BOUND_MS = 10_000;

type ViewOf = (incoming: IncomingMessage) => RequestView;

/** The raw header list as `Headers` would hold it had the same fields arrived at a fetch server. */
function webHeadersOf(rawHeaders: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) headers.append(rawHeaders[i]!, rawHeaders[i + 1]!);
  return headers;
}

function webRequestOf(incoming: IncomingMessage): Request {
  const init: RequestInit & { duplex?: 'half' } = {
    method: incoming.method,
    headers: webHeadersOf(incoming.rawHeaders),
  };
  if (incoming.method !== 'GET' && incoming.method !== 'HEAD') {
    init.body = Readable.toWeb(incoming) as NodeReadableStream<Uint8Array> as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  return new Request(`http://127.0.0.1${incoming.url}`, init);
}

const VIEWS: [string, ViewOf][] = [
  ['node', nodeRequestView],
  ['web', (incoming) => webRequestView(webRequestOf(incoming))],
];

type Outcome<T> = { settled: 'fulfilled'; value: T } | { settled: 'rejected'; reason: unknown };

/** How `promise` settles, or a failure once the bound passes: a hang shows as a failed test, not a stuck run. */
function outcomeWithin<T>(promise: Promise<T>, what: string): Promise<Outcome<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not settle within ${SETTLE_BOUND_MS} ms`)),
      SETTLE_BOUND_MS,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ settled: 'fulfilled', value });
      },
      (reason: unknown) => {
        clearTimeout(timer);
        resolve({ settled: 'rejected', reason });
      },
    );
  });
}

interface Arrival {
  incoming: IncomingMessage;
  response: ServerResponse;
}

let server: Server;
let port: number;
const waiting: ((arrival: Arrival) => void)[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((incoming, response) => {
    const waiter = waiting.shift();
    if (waiter === undefined) response.writeHead(500).end();
    else waiter({ incoming, response });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Opens a socket and sends `bytes` as they are; resolves with the request the server made of them. */
async function sendRaw(bytes: string | Buffer): Promise<Arrival & { socket: Socket }> {
  const arrival = new Promise<Arrival>((resolve) => waiting.push(resolve));
  const socket = connect(port, '127.0.0.1');
  sockets.add(socket);
  // A view may cut the connection (the web body stream destroys it when cancelled); the test reads no answer.
  socket.on('error', () => undefined);
  socket.on('close', () => sockets.delete(socket));
  await once(socket, 'connect');
  socket.write(bytes);
  return { ...(await arrival), socket };
}

function finish({ response, socket }: Arrival & { socket: Socket }): void {
  if (!response.headersSent && !response.destroyed) response.writeHead(204).end();
  socket.destroy();
}

const head = (lines: readonly string[]): string =>
  `POST /signal HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`;

const chunk = (bytes: Buffer): string => `${bytes.byteLength.toString(16)}\r\n${bytes.toString('latin1')}\r\n`;

/** Repeated fields, odd name cases, padded and empty values; the order of the list is the order on the wire. */
const RAW_FIELDS: [string, string][] = [
  ['Authorization', 'Bearer first-token'],
  ['authorization', 'Bearer second-token'],
  ['X-Cluster-ID', 'east'],
  ['x-cluster-id', 'west'],
  ['Content-Type', 'application/json'],
  ['CONTENT-TYPE', 'text/plain; charset=utf-8'],
  ['X-Padded', '   inner  spaces kept \t'],
  ['X-Empty', ''],
  ['Content-Length', '0'],
];

describe('request-view', () => {
  describe('headers', () => {
    const fetchHeaders = webHeadersOf([
      'Host',
      '127.0.0.1',
      'Connection',
      'close',
      ...RAW_FIELDS.flatMap(([name, value]) => [name, value.trim()]),
    ]);

    it.each(VIEWS)('joins repeated fields with ", " as Headers.get does, in the %s view', async (_, viewOf) => {
      const sent = await sendRaw(head(RAW_FIELDS.map(([name, value]) => `${name}: ${value}`)));
      try {
        const view = viewOf(sent.incoming);
        expect(view.header('authorization')).toBe('Bearer first-token, Bearer second-token');
        expect(view.header('x-cluster-id')).toBe('east, west');
        expect(view.header('content-type')).toBe('application/json, text/plain; charset=utf-8');
        for (const name of ['authorization', 'x-cluster-id', 'content-type', 'x-padded', 'x-empty', 'host']) {
          expect(view.header(name), name).toBe(fetchHeaders.get(name));
        }
        expect(view.headers()).toEqual(Object.fromEntries(fetchHeaders));
        // What Node itself keeps of a repeated Authorization: the reason the view reads the raw list.
        expect(sent.incoming.headers.authorization).toBe('Bearer first-token');
      } finally {
        finish(sent);
      }
    });

    it.each(VIEWS)('reads names case-insensitively and lists them lower-case in the %s view', async (_, viewOf) => {
      const sent = await sendRaw(head(RAW_FIELDS.map(([name, value]) => `${name}: ${value}`)));
      try {
        const view = viewOf(sent.incoming);
        for (const name of ['X-CLUSTER-ID', 'x-Cluster-Id', 'X-Cluster-ID'])
          expect(view.header(name)).toBe('east, west');
        expect(view.header('X-Missing')).toBeUndefined();
        expect(Object.keys(view.headers()).sort()).toEqual(
          ['host', 'connection', ...new Set(RAW_FIELDS.map(([name]) => name.toLowerCase()))].sort(),
        );
      } finally {
        finish(sent);
      }
    });

    it.each(VIEWS)('drops the spaces around a value but keeps those inside it in the %s view', async (_, viewOf) => {
      const sent = await sendRaw(head(['X-Padded:    inner  spaces kept \t', 'X-Empty:', 'Content-Length: 0']));
      try {
        const view = viewOf(sent.incoming);
        expect(view.header('x-padded')).toBe('inner  spaces kept');
        expect(view.header('x-empty')).toBe('');
        expect(view.headers()).toMatchObject({ 'x-padded': 'inner  spaces kept', 'x-empty': '' });
      } finally {
        finish(sent);
      }
    });

    it.each(VIEWS)('joins a repeated Set-Cookie in headers() as header() does, in the %s view', async (_, viewOf) => {
      // Headers iterates Set-Cookie one field at a time, so an object built from its entries keeps only the last.
      const sent = await sendRaw(head(['Set-Cookie: a=1', 'Set-Cookie: b=2', 'Content-Length: 0']));
      try {
        const view = viewOf(sent.incoming);
        expect(view.header('set-cookie')).toBe('a=1, b=2');
        expect(view.headers()['set-cookie']).toBe('a=1, b=2');
      } finally {
        finish(sent);
      }
    });

    it('gives the same header() and headers() in both views for the same raw fields', async () => {
      const seen: { header: Record<string, string | undefined>; headers: Record<string, string> }[] = [];
      for (const [, viewOf] of VIEWS) {
        // `__proto__` is a valid field name: it must stay a field, not become the object's prototype.
        const fields = [...RAW_FIELDS.map(([name, value]) => `${name}: ${value}`), '__proto__: a', '__Proto__: b'];
        const sent = await sendRaw(head(fields));
        try {
          const view = viewOf(sent.incoming);
          const names = [
            'Authorization',
            'x-cluster-id',
            'Content-Type',
            'x-padded',
            'x-empty',
            'x-missing',
            '__proto__',
          ];
          seen.push({
            header: Object.fromEntries(names.map((name) => [name, view.header(name)])),
            headers: view.headers(),
          });
        } finally {
          finish(sent);
        }
      }
      expect(seen[0]).toEqual(seen[1]);
      expect(Object.getOwnPropertyDescriptor(seen[0]?.header, '__proto__')?.value).toBe('a, b');
      expect(Object.getOwnPropertyDescriptor(seen[0]?.headers, '__proto__')?.value).toBe('a, b');
    });
  });

  describe('readBody', () => {
    const LIMIT = 64;
    const payload = Buffer.from('{"alerts":[{"labels":{"alertname":"Edge"}}]}\u00e9\u{1F600}', 'utf8');

    /** The outcome of `readBody(LIMIT)` in each view over the same bytes, each on its own connection. */
    async function readBoth(
      bytes: string | Buffer,
      afterArrival?: (sent: Arrival & { socket: Socket }, reading: Promise<LimitedBody>) => void,
    ): Promise<Outcome<LimitedBody>[]> {
      const outcomes: Outcome<LimitedBody>[] = [];
      for (const [name, viewOf] of VIEWS) {
        const sent = await sendRaw(bytes);
        try {
          const reading = viewOf(sent.incoming).readBody(LIMIT);
          afterArrival?.(sent, reading);
          outcomes.push(await outcomeWithin(reading, `readBody in the ${name} view`));
        } finally {
          finish(sent);
        }
      }
      return outcomes;
    }

    const bytesOf = (outcome: Outcome<LimitedBody> | undefined): Buffer | undefined =>
      outcome?.settled === 'fulfilled' && outcome.value.ok ? Buffer.from(outcome.value.bytes) : undefined;

    it('returns the exact bytes of a body under the limit with Content-Length', async () => {
      expect(payload.byteLength).toBeLessThan(LIMIT);
      const outcomes = await readBoth(
        Buffer.concat([Buffer.from(head([`Content-Length: ${payload.byteLength}`]), 'latin1'), payload]),
      );
      for (const outcome of outcomes) expect(bytesOf(outcome)).toEqual(payload);
    });

    it('returns the exact bytes of a chunked body under the limit', async () => {
      const parts = [payload.subarray(0, 7), payload.subarray(7, 30), payload.subarray(30)];
      const bytes = Buffer.from(
        `${head(['Transfer-Encoding: chunked'])}${parts.map(chunk).join('')}0\r\n\r\n`,
        'latin1',
      );
      const outcomes = await readBoth(bytes);
      for (const outcome of outcomes) expect(bytesOf(outcome)).toEqual(payload);
    });

    it('returns a body of exactly the limit', async () => {
      const atLimit = Buffer.alloc(LIMIT, 0x20);
      const outcomes = await readBoth(
        `${head(['Transfer-Encoding: chunked'])}${chunk(atLimit.subarray(0, 10))}${chunk(atLimit.subarray(10))}0\r\n\r\n`,
      );
      for (const outcome of outcomes) expect(bytesOf(outcome)).toEqual(atLimit);
    });

    it('refuses a declared Content-Length over the limit without waiting for the body', async () => {
      // Not one body byte is sent: a view that read before refusing would wait for them until the bound.
      const outcomes = await readBoth(head([`Content-Length: ${LIMIT + 1}`]));
      for (const outcome of outcomes) {
        expect(outcome).toEqual({ settled: 'fulfilled', value: { ok: false, reason: 'too-large' } });
      }
    });

    it('refuses a chunked body once it grows past the limit, before it ends', async () => {
      // The last chunk never comes: the refusal must come from the count, not from the end of the body.
      const outcomes = await readBoth(
        `${head(['Transfer-Encoding: chunked'])}${chunk(Buffer.alloc(LIMIT - 1, 0x61))}${chunk(Buffer.from('bc'))}`,
      );
      for (const outcome of outcomes) {
        expect(outcome).toEqual({ settled: 'fulfilled', value: { ok: false, reason: 'too-large' } });
      }
    });

    it('returns no bytes for an empty body, declared or chunked', async () => {
      for (const bytes of [head(['Content-Length: 0']), `${head(['Transfer-Encoding: chunked'])}0\r\n\r\n`]) {
        const outcomes = await readBoth(bytes);
        for (const outcome of outcomes) expect(bytesOf(outcome)).toEqual(Buffer.alloc(0));
      }
    });

    it('rejects when the client disconnects in the middle of the body', async () => {
      const outcomes = await readBoth(
        Buffer.concat([Buffer.from(head([`Content-Length: ${LIMIT}`]), 'latin1'), payload.subarray(0, 10)]),
        (sent) => sent.socket.destroy(),
      );
      for (const outcome of outcomes) expect(outcome.settled).toBe('rejected');
    });

    it('rejects when the client disconnected in the middle of the body before readBody was called', async () => {
      const outcomes: Outcome<LimitedBody>[] = [];
      for (const [name, viewOf] of VIEWS) {
        const sent = await sendRaw(
          Buffer.concat([Buffer.from(head([`Content-Length: ${LIMIT}`]), 'latin1'), payload.subarray(0, 10)]),
        );
        try {
          const closed = new Promise((resolve) => sent.incoming.once('close', resolve));
          sent.socket.destroy();
          await closed;
          outcomes.push(await outcomeWithin(viewOf(sent.incoming).readBody(LIMIT), `readBody in the ${name} view`));
        } finally {
          finish(sent);
        }
      }
      for (const outcome of outcomes) expect(outcome.settled).toBe('rejected');
    });

    it('gives the same result in both views for every body above', async () => {
      const bodies = [
        Buffer.concat([Buffer.from(head([`Content-Length: ${payload.byteLength}`]), 'latin1'), payload]),
        `${head(['Transfer-Encoding: chunked'])}${chunk(payload)}0\r\n\r\n`,
        head([`Content-Length: ${LIMIT + 1}`]),
        `${head(['Transfer-Encoding: chunked'])}${chunk(Buffer.alloc(LIMIT + 1, 0x61))}`,
        head(['Content-Length: 0']),
      ];
      for (const bytes of bodies) {
        // A Buffer and a plain Uint8Array of the same bytes are the same body to every reader.
        const [node, web] = (await readBoth(bytes)).map((outcome) =>
          outcome.settled === 'fulfilled' && outcome.value.ok
            ? { ...outcome, value: { ok: true, bytes: Buffer.from(outcome.value.bytes) } }
            : outcome,
        );
        expect(node).toEqual(web);
      }
    });
  });
});

describe('request-view behind @hono/node-server', () => {
  const PROMETHEUS = '/api/v1/signals/prometheus';
  let ingress: TestIngress;
  let appServer: Server;
  let appPort: number;

  beforeAll(async () => {
    ingress = createTestIngress();
    appServer = createAdaptorServer({ fetch: ingress.app.fetch }) as Server;
    appServer.listen(0, '127.0.0.1');
    await once(appServer, 'listening');
    appPort = (appServer.address() as AddressInfo).port;
  });

  afterAll(async () => {
    appServer.closeAllConnections();
    await new Promise<void>((resolve) => appServer.close(() => resolve()));
    await ingress.close();
  });

  /** The status line, headers and body of the answer, once its Content-Length is in. */
  function parseAnswer(bytes: Buffer): { status: number; headers: Record<string, string>; body: string } | undefined {
    const end = bytes.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const body = bytes.subarray(end + 4);
    if (body.byteLength < Number(headers['content-length'])) return undefined;
    return { status: Number(statusLine?.split(' ')[1]), headers, body: body.toString('utf8') };
  }

  it('answers a 413 problem to a chunked body that grows past the limit, over a real socket', async () => {
    const limit = ingress.settings.server.bodyLimitBytes;
    const spaces = Buffer.alloc(16 * 1024, 0x20);
    const socket = connect(appPort, '127.0.0.1');
    let received = Buffer.alloc(0);
    let sent = 0;
    const answer = new Promise<NonNullable<ReturnType<typeof parseAnswer>>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${SETTLE_BOUND_MS} ms`)), SETTLE_BOUND_MS);
      socket.on('data', (data: Buffer) => {
        received = Buffer.concat([received, data]);
        const parsed = parseAnswer(received);
        if (parsed === undefined) return;
        clearTimeout(timer);
        resolve(parsed);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        reject(new Error(`connection closed after ${sent} body bytes with ${JSON.stringify(received.toString())}`));
      });
      socket.on('error', () => undefined);
    });
    await once(socket, 'connect');
    socket.write(
      `POST ${PROMETHEUS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Authorization: Bearer ${TEST_TOKENS.signals}\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    // Keeps sending past the limit, as an endless body would, until the answer arrives or the connection ends.
    let answered = false;
    const settle = () => {
      answered = true;
    };
    answer.then(settle, settle);
    const pump = async () => {
      while (!answered && !socket.destroyed && sent < limit * 4) {
        sent += spaces.byteLength;
        if (!socket.write(chunk(spaces), 'latin1')) {
          await Promise.race([once(socket, 'drain'), answer]).catch(() => undefined);
        }
      }
    };
    void pump().catch(() => undefined);
    try {
      const response = await answer;
      expect(response.status).toBe(413);
      expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
      const problem = ProblemDetailsSchema.parse(JSON.parse(response.body));
      expect(problem.type).toBe(problemType('payload-too-large'));
      expect(problem.request_id).toBe(response.headers['x-request-id']);
    } finally {
      socket.destroy();
    }
  });
});
