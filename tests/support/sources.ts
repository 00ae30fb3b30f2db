import { createHmac, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CrdValidator,
  createCrdValidator,
  createTestRedis,
  deleteKeysWithPrefix,
  type GatewayStack,
  type KubeObject,
  REFERENCE_CRD_FILE,
  referencePath,
  scrapeMetrics,
  startGatewayStack,
  sumMetric,
  waitFor,
} from '@gateway/testkit';
import { expect } from 'vitest';
import { createSnsTestPki, type SnsTestPki } from '../../packages/sources/src/cloudwatch/testing/sns-test-pki.js';
import {
  type SnsTestServer,
  startSnsTestServer,
} from '../../packages/sources/src/cloudwatch/testing/sns-test-server.js';
import { type GatewayFixture, RR_NAMESPACE, startGatewayFixture } from './gateway-fixture.js';

// Helpers for the per-source end-to-end suites (tests/e2e/sources) and the source fuzzer (tests/fuzz).

export const PROBLEM_BASE = 'https://kubernaut.ai/problems/';

/** A gateway configuration file: YAML text as written, or an object written as JSON (JSON is YAML). */
export type GatewayConfigFile = string | Record<string, unknown>;

export async function writeConfigFile(dir: string, config: GatewayConfigFile): Promise<string> {
  const path = join(dir, 'gateway.yaml');
  await writeFile(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return path;
}

export interface PostOptions {
  /** Bearer token; `false` sends no Authorization header. Default: the stack token. */
  token?: string | false;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  contentType?: string;
}

export interface Posted {
  response: Response;
  status: number;
  /** Parsed body (JSON when it parses, the raw text otherwise). */
  body: unknown;
  text: string;
}

/** One HTTP POST to an ingress route; a string or byte body is sent as is, anything else as JSON. */
export async function postTo(
  ingressUrl: string,
  route: string,
  body: unknown,
  defaultToken: string,
  options: PostOptions = {},
): Promise<Posted> {
  const url = new URL(route, ingressUrl);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const token = options.token === undefined ? defaultToken : options.token;
  if (token !== false) headers.authorization = `Bearer ${token}`;
  Object.assign(headers, options.headers ?? {});
  const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const response = await fetch(url, { method: 'POST', headers, body: payload });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the assertions say so.
  }
  return { response, status: response.status, body: parsed, text };
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  request_id: string;
  errors?: { index?: number; pointer: string; message: string }[];
  [key: string]: unknown;
}

/**
 * Asserts an RFC 7807 answer as docs/http-api.md#errors fixes it: problem+json, the members every problem has, the
 * status echoed, the request id echoed in the header, and the slug when given. Returns the problem for further checks.
 */
export function expectProblem(posted: Posted, status: number, slug?: string): ProblemBody {
  const context = `HTTP ${posted.status} ${posted.text.slice(0, 500)}`;
  expect(posted.status, context).toBe(status);
  expect(posted.response.headers.get('content-type') ?? '', context).toMatch(/^application\/problem\+json/);
  const problem = posted.body as ProblemBody;
  expect(problem, context).toMatchObject({
    type: expect.stringMatching(/^https:\/\/kubernaut\.ai\/problems\/[a-z-]+$/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    request_id: expect.any(String),
  });
  expect(problem.detail.length, context).toBeGreaterThan(0);
  expect(posted.response.headers.get('x-request-id'), context).toBe(problem.request_id);
  if (slug !== undefined) expect(problem.type, context).toBe(`${PROBLEM_BASE}${slug}`);
  return problem;
}

export interface AcceptedBody {
  status: 'accepted';
  accepted: number;
  ignored: number;
  requestId: string;
  rejected?: { index: number; type: string; detail: string }[];
}

export function expectAccepted(posted: Posted, counts?: { accepted?: number; ignored?: number }): AcceptedBody {
  const context = `HTTP ${posted.status} ${posted.text.slice(0, 500)}`;
  expect(posted.status, context).toBe(202);
  const body = posted.body as AcceptedBody;
  expect(body, context).toMatchObject({ status: 'accepted', requestId: expect.any(String) });
  if (counts?.accepted !== undefined) expect(body.accepted, context).toBe(counts.accepted);
  if (counts?.ignored !== undefined) expect(body.ignored, context).toBe(counts.ignored);
  return body;
}

const OUTCOMES = ['created', 'deduplicated', 'resolved', 'redelivered', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

let crdValidator: CrdValidator | undefined;

/** The reference CRD's validator: created RRs must be objects the real API server accepts. */
export function rrValidator(): CrdValidator {
  crdValidator ??= createCrdValidator(readFileSync(referencePath(REFERENCE_CRD_FILE), 'utf8'));
  return crdValidator;
}

export interface RrSpecView {
  signalFingerprint?: string;
  signalName?: string;
  signalSource?: string;
  severity?: string;
  targetType?: string;
  targetResource?: Record<string, unknown>;
  firingTime?: string;
  signalLabels?: Record<string, string>;
  providerData?: string;
  [key: string]: unknown;
}

export const rrSpec = (rr: KubeObject): RrSpecView => (rr.spec ?? {}) as RrSpecView;

/**
 * Kube sandbox + ingress + worker (real processes) running on one configuration file given to both apps as
 * `GATEWAY_CONFIG`, with helpers to post to a route and to read the worker's decisions.
 */
export interface SourceStack {
  readonly fx: GatewayFixture;
  readonly stack: GatewayStack;
  readonly configPath: string;
  post(route: string, body: unknown, options?: PostOptions): Promise<Posted>;
  rrs(): KubeObject[];
  rr(name: string): KubeObject | undefined;
  /** Waits for the RR and returns it. */
  waitForRr(name: string, timeoutMs?: number): Promise<KubeObject>;
  /** Worker decisions so far, by outcome (from `gateway_signal_latency_seconds_count`). */
  decisions(): Promise<Record<Outcome, number>>;
  /** Waits until the worker has decided at least `total` signals and returns the counts by outcome. */
  waitForDecisions(total: number, timeoutMs?: number): Promise<Record<Outcome, number>>;
  /**
   * Waits until the worker has decided every signal the ingress enqueued (`gateway_signals_received_total`
   * equals the decisions) and returns the decisions: a barrier that makes before/after deltas exact.
   */
  settle(timeoutMs?: number): Promise<Record<Outcome, number>>;
  logs(): string;
  close(): Promise<void>;
}

export async function startSourceStack(config: GatewayConfigFile): Promise<SourceStack> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-sources-'));
  try {
    const configPath = await writeConfigFile(dir, config);
    const env = { GATEWAY_CONFIG: configPath };
    const fx = await startGatewayFixture({ stack: { env: { ingress: env, worker: env } } });
    const decisions = async (): Promise<Record<Outcome, number>> => {
      const worker = await scrapeMetrics(`${fx.stack.workerUrl}/metrics`);
      const counts = {} as Record<Outcome, number>;
      for (const outcome of OUTCOMES) {
        counts[outcome] = sumMetric(worker, 'gateway_signal_latency_seconds_count', { outcome });
      }
      return counts;
    };
    const total = (counts: Record<Outcome, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    return {
      fx,
      stack: fx.stack,
      configPath,
      post: (route, body, options) => postTo(fx.stack.ingressUrl, route, body, fx.stack.token, options),
      rrs: () => fx.rrs(),
      rr: (name) => fx.sandbox.object(RR_NAMESPACE, name),
      async waitForRr(name, timeoutMs = 20_000) {
        return waitFor(() => fx.sandbox.object(RR_NAMESPACE, name), {
          timeoutMs,
          description: `RemediationRequest ${name} (have: ${fx
            .rrs()
            .map((rr) => rr.metadata.name)
            .join(', ')})`,
        });
      },
      decisions,
      async waitForDecisions(count, timeoutMs = 20_000) {
        return waitFor(
          async () => {
            const counts = await decisions();
            return total(counts) >= count ? counts : false;
          },
          { timeoutMs, intervalMs: 100, description: `the worker to decide ${count} signals` },
        );
      },
      async settle(timeoutMs = 20_000) {
        return waitFor(
          async () => {
            const [ingress, counts] = await Promise.all([scrapeMetrics(`${fx.stack.ingressUrl}/metrics`), decisions()]);
            const enqueued = sumMetric(ingress, 'gateway_signals_received_total');
            if (total(counts) > enqueued) throw new Error(`decided ${total(counts)} > enqueued ${enqueued}`);
            return total(counts) === enqueued ? counts : false;
          },
          { timeoutMs, intervalMs: 100, description: 'the worker to decide every enqueued signal' },
        );
      },
      logs: () => fx.stack.logs(),
      async close() {
        await fx.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface IngressOnly {
  readonly stack: GatewayStack;
  post(route: string, body: unknown, options?: PostOptions): Promise<Posted>;
  close(): Promise<void>;
}

/** The ingress alone on a configuration file: enough for parsing and answer checks (no worker, no Kubernetes). */
export async function startIngressOnly(config: GatewayConfigFile): Promise<IngressOnly> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-ingress-'));
  try {
    const configPath = await writeConfigFile(dir, config);
    const stack = await startGatewayStack({ apps: ['ingress'], env: { ingress: { GATEWAY_CONFIG: configPath } } });
    return {
      stack,
      post: (route, body, options) => postTo(stack.ingressUrl, route, body, stack.token, options),
      async close() {
        await stack.stop();
        const redis = createTestRedis();
        try {
          await deleteKeysWithPrefix(redis, stack.queuePrefix);
        } finally {
          await redis.quit();
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SNS: a test CA, a loopback "sns.<region>.amazonaws.com" serving its certificate, and a signer.

/** Resolved to 127.0.0.1 by the source's `resolve` map; passes the default `certHostPattern`. */
export const SNS_TEST_HOST = 'sns.test-1.amazonaws.com';
/** Host of the confirmation fixture's own certificate URL, also pointed at loopback so its signature is judged. */
export const SNS_FIXTURE_HOST = 'sns.us-west-2.amazonaws.com';

export type SnsEnvelope = Record<string, unknown>;

export interface SnsSigner {
  readonly pki: SnsTestPki;
  readonly server: SnsTestServer;
  /** The `sources.<name>` keys that make the gateway trust this signer: `caFile` and `resolve`. */
  readonly sourceOptions: { caFile: string; resolve: Record<string, string> };
  certUrl(path?: string): string;
  /**
   * The envelope with `SignatureVersion`, `SigningCertURL` and `Signature` set; `Timestamp` is now unless
   * `overrides` sets it. Overrides are applied before signing.
   */
  sign(envelope: SnsEnvelope, overrides?: SnsEnvelope, version?: '1' | '2'): SnsEnvelope;
  close(): Promise<void>;
}

/** The canonical SNS string to sign, written independently of the gateway's verifier. */
export function snsStringToSign(envelope: SnsEnvelope): string {
  const fields =
    envelope.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return fields
    .filter((field) => typeof envelope[field] === 'string')
    .map((field) => `${field}\n${envelope[field] as string}\n`)
    .join('');
}

export async function startSnsSigner(): Promise<SnsSigner> {
  const pki = createSnsTestPki([SNS_TEST_HOST, SNS_FIXTURE_HOST]);
  let server: SnsTestServer;
  try {
    server = await startSnsTestServer(pki);
  } catch (err) {
    pki.dispose();
    throw err;
  }
  const certUrl = (path = '/SimpleNotificationService-test.pem') => `https://${SNS_TEST_HOST}:${server.port}${path}`;
  return {
    pki,
    server,
    sourceOptions: { caFile: pki.caFile, resolve: { [SNS_TEST_HOST]: '127.0.0.1', [SNS_FIXTURE_HOST]: '127.0.0.1' } },
    certUrl,
    sign(envelope, overrides = {}, version = '1') {
      const unsigned: SnsEnvelope = {
        ...envelope,
        Timestamp: new Date().toISOString(),
        SignatureVersion: version,
        SigningCertURL: certUrl(),
        ...overrides,
      };
      const signature = sign(
        version === '1' ? 'sha1' : 'sha256',
        Buffer.from(snsStringToSign(unsigned)),
        pki.leafKeyPem,
      );
      return { ...unsigned, Signature: signature.toString('base64') };
    },
    async close() {
      await server.close();
      pki.dispose();
    },
  };
}

/** How SNS posts an envelope: `text/plain` and the message-type header (fixtures SOURCES.md). */
export function snsPostOptions(envelope: SnsEnvelope): PostOptions {
  const headers: Record<string, string> = { 'user-agent': 'Amazon Simple Notification Service Agent' };
  // SNS copies these from the envelope; values that are not short strings (fuzzed envelopes) are left out, since
  // no SNS request carries them and Node refuses oversized headers before the gateway sees the request.
  const copy = (header: string, value: unknown) => {
    if (typeof value === 'string' && value.length <= 256 && /^[\x20-\x7e]*$/.test(value)) headers[header] = value;
  };
  copy('x-amz-sns-message-type', envelope.Type);
  copy('x-amz-sns-message-id', envelope.MessageId);
  copy('x-amz-sns-topic-arn', envelope.TopicArn);
  return { token: false, contentType: 'text/plain; charset=UTF-8', headers };
}

// ---------------------------------------------------------------------------------------------------------------
// HMAC: hex SHA-256 over the body, or over `<timestamp>:<body>` when a timestamp header is configured.

export function hmacHex(secret: string, body: string, timestamp?: number): string {
  const signed = timestamp === undefined ? body : `${timestamp}:${body}`;
  return createHmac('sha256', secret).update(signed).digest('hex');
}

export const unixNow = (): number => Math.floor(Date.now() / 1000);

const totalOf = (counts: Record<Outcome, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * Posts a delivery whose signals are all resolved and proves the worker decided every one of them as resolved
 * without creating (or counting into) any RR (docs/fingerprints-and-windows.md#resolved-signals).
 */
export async function expectResolvedOnly(gw: SourceStack, send: () => Promise<Posted>): Promise<void> {
  const before = await gw.settle();
  const rrsBefore = gw.rrs().length;
  const accepted = expectAccepted(await send());
  expect(accepted.accepted).toBeGreaterThan(0);
  const after = await gw.settle();
  expect(totalOf(after) - totalOf(before)).toBe(accepted.accepted);
  expect(after.resolved - before.resolved).toBe(accepted.accepted);
  expect(after.created - before.created).toBe(0);
  expect(after.deduplicated - before.deduplicated).toBe(0);
  expect(gw.rrs()).toHaveLength(rrsBefore);
}

/** Posts something the gateway must refuse and proves the problem and that nothing new reached Kubernetes. */
export async function expectRefused(
  gw: SourceStack,
  send: () => Promise<Posted>,
  status: number,
  slug: string,
): Promise<ProblemBody> {
  const rrsBefore = gw.rrs().length;
  const problem = expectProblem(await send(), status, slug);
  expect(gw.rrs()).toHaveLength(rrsBefore);
  return problem;
}

/** The first half of a fixture's text: JSON cut mid-document, as a sender's dropped connection leaves it. */
export const truncated = (text: string): string => text.slice(0, Math.floor(text.length / 2));
