import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { parse } from 'yaml';
import { REFERENCE_DATA_STORAGE_OPENAPI_FILE, referencePath } from './test-data.js';

/**
 * A loopback Data Storage for tests: the audit batch endpoint, validating every event against the reference
 * OpenAPI document exactly as the real service's request validation would, plus fault modes (down, stalled,
 * failing, rejecting) to exercise the shipper's delivery guarantees.
 */

export const AUDIT_BATCH_PATH = '/api/v1/audit/events/batch';

export type AuditEventCheck = { valid: true } | { valid: false; reason: string };
export type AuditEventChecker = (event: unknown) => AuditEventCheck;

export function referenceOpenapiPath(): string {
  return referencePath(REFERENCE_DATA_STORAGE_OPENAPI_FILE);
}

interface DiscriminatedRequestSchema {
  properties: Record<string, unknown> & {
    event_data?: { discriminator?: { mapping?: Record<string, string> } };
  };
}

// ajv-formats is CommonJS: depending on the loader its default import is the plugin or the module object.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ??
  addFormatsPlugin) as unknown as (ajv: Ajv) => Ajv;

/**
 * `AuditEventRequest` rules of an OpenAPI 3.0 document, with `event_data` checked against the payload schema
 * that the document's discriminator maps the event's `event_type` to (what Data Storage does), rather than
 * against its ninety-way `oneOf`.
 */
export function createAuditEventChecker(openapiPath: string = referenceOpenapiPath()): AuditEventChecker {
  const document = parse(readFileSync(openapiPath, 'utf8')) as { components: { schemas: Record<string, unknown> } };
  const schemas = structuredClone(document.components.schemas);
  const request = schemas.AuditEventRequest as DiscriminatedRequestSchema | undefined;
  const mapping = request?.properties.event_data?.discriminator?.mapping;
  if (!request || !mapping) throw new Error(`${openapiPath}: AuditEventRequest has no event_data discriminator`);
  schemas.AuditEventEnvelope = { ...request, properties: { ...request.properties, event_data: { type: 'object' } } };

  // OpenAPI 3.0 keywords (`nullable`, `discriminator`, `example`) are not JSON Schema; ajv handles `nullable`.
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  for (const name of ['int32', 'int64', 'float', 'double'])
    ajv.addFormat(name, { type: 'number', validate: () => true });
  ajv.addSchema({ $id: 'data-storage', components: { schemas } });
  const envelope = ajv.compile({ $ref: 'data-storage#/components/schemas/AuditEventEnvelope' });
  const payloads = new Map<string, ValidateFunction>();

  return (event) => {
    if (!envelope(event)) return { valid: false, reason: ajv.errorsText(envelope.errors, { dataVar: 'event' }) };
    const eventType = (event as { event_type: string }).event_type;
    const ref = mapping[eventType];
    if (ref === undefined) return { valid: false, reason: `event/event_type ${eventType} has no payload schema` };
    let validatePayload = payloads.get(ref);
    if (!validatePayload) {
      validatePayload = ajv.compile({ $ref: `data-storage${ref}` });
      payloads.set(ref, validatePayload);
    }
    const data = (event as { event_data: unknown }).event_data;
    if (!validatePayload(data)) {
      return { valid: false, reason: ajv.errorsText(validatePayload.errors, { dataVar: 'event/event_data' }) };
    }
    return { valid: true };
  };
}

export interface RejectedAuditEvent {
  index: number;
  event: unknown;
  reason: string;
}

export interface StubRequestRecord {
  status: number;
  eventCount: number;
  authorization: string | undefined;
  requestId: string | undefined;
  /** W3C trace context the sender propagated, if any. */
  traceparent: string | undefined;
}

export interface DataStorageStubOptions {
  openapiPath?: string;
  maxBodyBytes?: number;
}

export interface DataStorageStub {
  readonly url: string;
  /** Every accepted event, in order of acceptance (repeats included: delivery is at least once). */
  events(): unknown[];
  /** Events that made a batch fail validation or matched `rejectWhen`. */
  invalid(): RejectedAuditEvent[];
  requests(): StubRequestRecord[];
  /** Closes the listener and every open connection: senders get connection refused. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Delays every answer by `ms` (0 ends it). */
  stall(ms: number): void;
  /** The next `count` batches (all, when omitted) get `status` with a problem body. */
  failWith(status: number, count?: number): void;
  /** Events matching the predicate are refused like invalid ones (400 for their batch). */
  rejectWhen(predicate: ((event: unknown) => boolean) | undefined): void;
  /** Clears every fault mode. */
  reset(): void;
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function problem(response: ServerResponse, status: number, title: string, detail: string): void {
  sendJson(
    response,
    status,
    {
      type: `https://kubernaut.ai/problems/${status === 400 ? 'validation-error' : 'stub-fault'}`,
      title,
      status,
      detail,
    },
    'application/problem+json',
  );
}

async function readBody(request: IncomingMessage, maxBodyBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// Parsing and compiling the 7000-line reference takes about half a second; stubs of one test file share it.
const checkersByPath = new Map<string, AuditEventChecker>();

function cachedChecker(openapiPath: string): AuditEventChecker {
  let checker = checkersByPath.get(openapiPath);
  if (!checker) {
    checker = createAuditEventChecker(openapiPath);
    checkersByPath.set(openapiPath, checker);
  }
  return checker;
}

export async function startDataStorageStub(options: DataStorageStubOptions = {}): Promise<DataStorageStub> {
  const check = cachedChecker(options.openapiPath ?? referenceOpenapiPath());
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const accepted: unknown[] = [];
  const rejected: RejectedAuditEvent[] = [];
  const records: StubRequestRecord[] = [];
  let stallMs = 0;
  let failure: { status: number; remaining: number } | undefined;
  let rejectPredicate: ((event: unknown) => boolean) | undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const record = (status: number, eventCount: number) =>
      records.push({
        status,
        eventCount,
        authorization: headerValue(request, 'authorization'),
        requestId: headerValue(request, 'x-request-id'),
        traceparent: headerValue(request, 'traceparent'),
      });
    if (request.method !== 'POST' || request.url !== AUDIT_BATCH_PATH) {
      problem(response, 404, 'Not Found', `${request.method} ${request.url} is not served by this stub`);
      return;
    }
    const body = await readBody(request, maxBodyBytes);
    if (stallMs > 0) await delay(stallMs);
    if (body === undefined) {
      record(413, 0);
      problem(response, 413, 'Payload Too Large', `body over ${maxBodyBytes} bytes`);
      return;
    }
    if (failure && failure.remaining > 0) {
      failure.remaining -= 1;
      record(failure.status, 0);
      problem(response, failure.status, 'Injected Fault', 'fault injected by the test');
      return;
    }
    let batch: unknown;
    try {
      batch = JSON.parse(body.toString('utf8'));
    } catch {
      record(400, 0);
      problem(response, 400, 'Validation Error', 'body is not JSON');
      return;
    }
    if (!Array.isArray(batch)) {
      record(400, 0);
      problem(response, 400, 'Validation Error', 'body must be a JSON array of AuditEventRequest');
      return;
    }
    for (const [index, event] of batch.entries()) {
      const result: AuditEventCheck = rejectPredicate?.(event)
        ? { valid: false, reason: 'rejected by the test predicate' }
        : check(event);
      if (!result.valid) {
        rejected.push({ index, event, reason: result.reason });
        record(400, batch.length);
        problem(response, 400, 'Validation Error', `event ${index}: ${result.reason}`);
        return;
      }
    }
    accepted.push(...batch);
    record(201, batch.length);
    const eventIds = batch.map((event) => (event as { event_id?: string }).event_id ?? randomUUID());
    sendJson(response, 201, { event_ids: eventIds, message: `${batch.length} audit events created` });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) problem(response, 500, 'Internal Server Error', String(error));
      else response.destroy();
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const shut = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // Keep-alive sockets would otherwise still be served after "down".
      server.closeAllConnections();
    });

  await listen(0);
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    events: () => [...accepted],
    invalid: () => [...rejected],
    requests: () => [...records],
    down: shut,
    up: () => (server.listening ? Promise.resolve() : listen(port)),
    stall(ms) {
      stallMs = ms;
    },
    failWith(status, count = Number.POSITIVE_INFINITY) {
      failure = { status, remaining: count };
    },
    rejectWhen(predicate) {
      rejectPredicate = predicate;
    },
    reset() {
      stallMs = 0;
      failure = undefined;
      rejectPredicate = undefined;
    },
    close: shut,
  };
}
