import { redactValue } from '@gateway/config';
import type { NormalizedSignal, Principal, SignalJob } from '@gateway/contracts';
import { ErrorCode, formatTimestamp, GatewayError, NormalizedSignalSchema, problemType } from '@gateway/contracts';
import type { HttpReply, ParseResult, RawRequest, RejectedItem, SourceContext } from '@gateway/sources';
import { SourceInputError, SourcePluginError } from '@gateway/sources';
import type { SignalTracing, TraceCarrier } from '@gateway/tracing';
import type { Context, Handler } from 'hono';
import type { Logger } from 'pino';
import { authenticateSignalRequest, UNSIGNED_DELIVERY_POLICY } from '../auth/authenticate-signal-request.js';
import { principalToken } from '../auth/principal-token.js';
import { signatureProblem } from '../auth/signature-problem.js';
import type { IngressEnv } from '../http/ingress-env.js';
import { decodeJsonBody } from '../http/json-body.js';
import { checkMediaType } from '../http/media-type.js';
import { INTERNAL_ERROR_DETAIL, ProblemError, RejectReason, retryAfter } from '../http/problem.js';
import { checkReplayWindow } from '../http/replay-window.js';
import type { EventLoopDelay } from '../lifecycle/event-loop-delay.js';
import type { IngressMetrics } from '../metrics/ingress-metrics.js';
import type { Backpressure, QueueDepth } from '../queue/queue-depth.js';
import type { SignalQueue } from '../queue/signal-queue.js';
import type { Clock } from '../runtime/clock.js';
import type { IdGenerators } from '../runtime/ids.js';
import type { IngressSettings, SourceInstance } from '../settings/ingress-settings.js';
import { readClusterHeader } from '../signals/cluster-header.js';
import { resolveClusterId } from '../signals/cluster-id.js';
import { completeSignal } from '../signals/complete-signal.js';
import { rateLimitRequest } from '../signals/rate-limit-request.js';
import type { RateLimitDecision, RateLimiter, RateLimitRequest } from '../signals/rate-limiter.js';

export interface SignalRouteDeps {
  settings(): IngressSettings;
  queue: SignalQueue;
  queueDepth: QueueDepth;
  rateLimiter: RateLimiter;
  clock: Clock;
  ids: IdGenerators;
  logger: Logger;
  metrics: IngressMetrics;
  eventLoopDelay: Pick<EventLoopDelay, 'sustainedMs'>;
  tracing: SignalTracing;
}

/** Redis errors answer with a longer delay than overload: a reconnect takes seconds, not a queue drain. */
export const REDIS_UNAVAILABLE_RETRY_AFTER_SECONDS = 10;
export const IN_FLIGHT_RETRY_AFTER_SECONDS = 1;

const BACKPRESSURE_DETAIL: Record<Backpressure, string> = {
  queue: 'Signal queue is above its high-water mark; retry after the Retry-After delay',
  audit: 'Audit backlog is above audit.maxBacklog; retry after the Retry-After delay',
};

interface AcceptedBody {
  status: 'accepted';
  accepted: number;
  ignored: number;
  requestId: string;
  rejected?: { index: number; type: string; detail: string }[];
}

/**
 * `ALL /api/v1/signals/*`: steps 2–15 of docs/http-api.md#what-a-signal-request-goes-through. Routes are looked up in
 * the current settings snapshot on every request, so sources added or disabled by a reload apply without re-registering
 * routes.
 */
export function createSignalHandler(deps: SignalRouteDeps): Handler<IngressEnv> {
  let inFlight = 0;

  return async (c) => {
    const settings = deps.settings();
    const source = settings.sources.find((candidate) => candidate.route === c.req.path);
    if (source === undefined || !source.enabled) {
      throw new ProblemError(
        'not-found',
        'No enabled signal source at this path; check the URL and the source configuration',
      );
    }
    c.set('endpoint', source.route);
    c.set('source', source);
    if (c.req.method !== 'POST') {
      throw new ProblemError('method-not-allowed', 'Signal endpoints accept only POST', { headers: { Allow: 'POST' } });
    }
    if (inFlight >= settings.server.maxInFlightRequests) {
      throw new ProblemError(
        'service-unavailable',
        'Too many requests in progress; retry after the Retry-After delay',
        {
          headers: retryAfter(IN_FLIGHT_RETRY_AFTER_SECONDS),
          reason: RejectReason.inFlightLimit,
        },
      );
    }
    // A saturated process reads its sockets late, so requests wait unseen in kernel buffers and every answer comes
    // late. Refusing at once while the event loop stays behind costs a fraction of accepting, so the process catches
    // up and the requests it does accept keep their latency (docs/queue-and-backpressure.md#overload).
    if (deps.eventLoopDelay.sustainedMs() > settings.server.maxEventLoopDelayMs) {
      throw new ProblemError('service-unavailable', 'The ingress is overloaded; retry after the Retry-After delay', {
        headers: retryAfter(IN_FLIGHT_RETRY_AFTER_SECONDS),
        reason: RejectReason.overloaded,
      });
    }
    inFlight++;
    deps.metrics.httpRequestsInFlight.inc();
    // The slot is held until the pipeline really ends, even after a timeout answer: that is what bounds memory. The
    // timeout abandons a body still arriving, so a sender that never finishes one holds its slot no longer than that.
    const timedOut = new AbortController();
    const pipeline = processDelivery(deps, c, settings, source, timedOut.signal).finally(() => {
      inFlight--;
      deps.metrics.httpRequestsInFlight.dec();
    });
    return raceRequestTimeout(pipeline, settings.server.requestTimeoutMs, () => timedOut.abort());
  };
}

/**
 * `server.requestTimeout`: a request that has not finished answers 503. An enqueue still running
 * may land afterwards; the sender's retry is then absorbed by delivery keys (docs/fingerprints-and-windows.md).
 */
async function raceRequestTimeout(
  pipeline: Promise<Response>,
  timeoutMs: number,
  onTimeout: () => void,
): Promise<Response> {
  pipeline.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(
        new ProblemError('service-unavailable', 'Request did not complete in time; retry after the Retry-After delay', {
          headers: retryAfter(REDIS_UNAVAILABLE_RETRY_AFTER_SECONDS),
        }),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([pipeline, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function processDelivery(
  deps: SignalRouteDeps,
  c: Context<IngressEnv>,
  settings: IngressSettings,
  source: SourceInstance,
  timedOut: AbortSignal,
): Promise<Response> {
  const definition = source.definition;
  const contentTypes = source.contentTypes;
  const view = c.get('view');
  const media = checkMediaType(view.header('content-type'), view.header('content-encoding'), contentTypes);
  if (!media.ok) {
    throw new ProblemError(media.slug, media.detail, {
      reason: RejectReason.mediaType,
      ...(media.slug === 'unsupported-media-type' ? { headers: { 'Accept-Post': contentTypes.join(', ') } } : {}),
    });
  }

  const presented = { authorization: view.header('authorization'), queryToken: c.req.query('token') };
  let principal: Principal = authenticateSignalRequest(settings, source, presented);

  // Before the body is read, so an overloaded gateway spends nothing on requests it will refuse.
  const backpressure = deps.queueDepth.backpressure();
  if (backpressure !== undefined) {
    throw new ProblemError('queue-full', BACKPRESSURE_DETAIL[backpressure], {
      headers: retryAfter(settings.queue.retryAfterSeconds),
      reason: RejectReason.queueFull,
    });
  }

  const limitBytes = settings.server.bodyLimitBytes;
  const body = await view.readBody(limitBytes, timedOut);
  if (!body.ok) {
    throw new ProblemError(
      'payload-too-large',
      `Request body exceeds ${limitBytes} bytes; reduce max_alerts on the sender or raise server.bodyLimitBytes`,
      { reason: RejectReason.tooLarge },
    );
  }
  const receivedAt = deps.clock.now();
  const raw: RawRequest = {
    method: c.req.method,
    path: c.req.path,
    headers: view.headers(),
    query: c.req.query(),
    rawBody: body.bytes,
    receivedAt,
  };
  const context: SourceContext<unknown> = {
    name: source.name,
    sourceType: source.sourceType,
    signalSource: source.signalSource,
    options: source.options,
    settings: source.settings,
    now: () => deps.clock.now(),
    ...source.capabilities,
  };
  const runAdapter = adapterRunner(deps, c, source);

  const isUnsignedDelivery = definition.isUnsignedDelivery?.bind(definition);
  if (isUnsignedDelivery !== undefined && (await runAdapter(async () => isUnsignedDelivery(raw)))) {
    // Nothing to verify (SNS raw delivery), so the token is what authenticates the sender.
    principal = authenticateSignalRequest(settings, source, presented, UNSIGNED_DELIVERY_POLICY);
  } else if (definition.verify) {
    // Every auth mode: a configured signature is checked even where a token already passed (docs/security.md#tokens).
    const verify = definition.verify.bind(definition);
    const verdict = await runAdapter(() => verify(raw, context));
    if (!verdict.ok) throw signatureProblem(verdict, settings.queue.retryAfterSeconds);
    if (verdict.principal !== undefined && (source.authMode === 'signature' || principal.type === 'anonymous')) {
      principal = verdict.principal;
    }
  }

  const replay = checkReplayWindow(view.header('x-timestamp'), receivedAt.getTime(), source.requireTimestamp);
  if (replay !== undefined) throw new ProblemError('replay-rejected', replay, { reason: RejectReason.replay });

  const json = decodeJsonBody(body.bytes);
  if (!json.ok) throw new ProblemError('validation-error', json.detail, { reason: RejectReason.malformed });
  raw.json = json.value;
  const requestId = c.get('requestId');
  // The redacted copy of a body of up to the size limit is only worth making when the line will be written.
  if (settings.logging.logPayloads && deps.logger.isLevelEnabled('debug')) {
    deps.logger.debug({ requestId, source: source.name, payload: redactValue(json.value) }, 'signal payload received');
  }

  if (definition.handshake) {
    const handshake = definition.handshake.bind(definition);
    const reply = await runAdapter(() => handshake(raw, context));
    if (reply !== undefined) return handshakeResponse(deps, c, source, reply, settings.queue.retryAfterSeconds);
  }

  const parse = definition.parse.bind(definition);
  const result = await runAdapter(() => parse(raw, context));
  recordParseStats(deps, source, result);

  const receivedTime = formatTimestamp(receivedAt);
  const delivery = {
    requestId,
    receivedTime,
    principal,
    clientIp: c.get('clientIp'),
    configHash: settings.configHash,
    deliveryDedup: source.deliveryDedup,
  };
  const token = principalToken(settings, principal);
  const clusterContext = {
    multiCluster: settings.multiCluster,
    boundClusterId: token?.clusterId,
    headerClusterId: readClusterHeader(settings, token, view.header('x-cluster-id')),
  };
  const rejected: RejectedItem[] = [...result.rejected];
  const signals: NormalizedSignal[] = [];
  for (const draft of result.signals) {
    const cluster = resolveClusterId(draft, clusterContext);
    if (!cluster.ok) {
      rejected.push({ index: draft.index, pointer: '', message: cluster.message });
      deps.metrics.signalsRejected.inc({ source_type: source.signalSource, reason: 'invalid_cluster_id' });
      continue;
    }
    if (cluster.conflict) deps.metrics.clusterIdConflicts.inc({ source_type: source.signalSource });
    const signal = completeSignal(draft, delivery, deps.ids.signalId(), cluster.clusterId);
    const checked = NormalizedSignalSchema.safeParse(signal);
    if (!checked.success) {
      // A draft that breaks the job contract is an adapter bug; enqueueing it would only fail in the worker.
      throw adapterFault(deps, c, source, new Error(`source produced an invalid signal: ${checked.error.message}`));
    }
    signals.push(checked.data);
  }

  if (signals.length === 0 && result.ignored.length === 0) {
    if (rejected.length > 0) {
      throw new ProblemError(
        'validation-error',
        'Every item in the delivery is invalid; fix the fields listed in errors',
        {
          reason: RejectReason.malformed,
          errors: rejected.map(({ index, pointer, message }) => ({ index, pointer, message })),
        },
      );
    }
    throw new ProblemError('validation-error', 'The delivery contains no items; send at least one alert or event', {
      reason: RejectReason.malformed,
    });
  }

  if (signals.length > 0) {
    if (settings.rateLimits.enabled) {
      await admitRate(
        deps,
        c,
        rateLimitRequest(settings, source, principal, c.get('clientIp'), signals.length),
        source,
      );
    }
    await enqueue(deps, c, signals);
  }

  c.set('accepted', signals.length);
  c.set('rejectedItems', rejected.length);
  const response: AcceptedBody = {
    status: 'accepted',
    accepted: signals.length,
    ignored: result.ignored.length,
    requestId,
  };
  if (rejected.length > 0) {
    response.rejected = rejected.map(({ index, message }) => ({
      index,
      type: problemType('validation-error'),
      detail: message,
    }));
  }
  // Built with its headers in one go (the lightest response @hono/node-server writes), rather than through c.json
  // and a header copy afterwards.
  c.set('responseHeadersApplied', true);
  return new Response(JSON.stringify(response), {
    status: 202,
    headers: { ...c.get('responseHeaders'), 'Content-Type': 'application/json' },
  });
}

async function admitRate(
  deps: SignalRouteDeps,
  c: Context<IngressEnv>,
  request: RateLimitRequest,
  source: SourceInstance,
): Promise<void> {
  let decision: RateLimitDecision;
  try {
    decision = await deps.rateLimiter.admit(request);
  } catch (error) {
    deps.logger.error({ err: error, requestId: c.get('requestId') }, 'rate limit check failed');
    throw new ProblemError('service-unavailable', 'Rate limiter is unavailable; retry after the Retry-After delay', {
      headers: retryAfter(REDIS_UNAVAILABLE_RETRY_AFTER_SECONDS),
      reason: RejectReason.redisUnavailable,
    });
  }
  if (!decision.allowed) {
    throw new ProblemError('rate-limited', 'Rate limit exceeded for this source; retry after the Retry-After delay', {
      status: source.rateLimitStatus,
      headers: retryAfter(decision.retryAfterSeconds),
      reason: RejectReason.rateLimited,
    });
  }
}

async function enqueue(deps: SignalRouteDeps, c: Context<IngressEnv>, signals: NormalizedSignal[]): Promise<void> {
  // A request that was not sampled leaves its signals without a context: the worker traces only sampled ones.
  if (!deps.tracing.recording()) return enqueueJobs(deps, c, signals, NO_TRACE);
  await deps.tracing.span(
    'queue.add',
    // Every signal carries this span's context, so its processing in the worker continues this request's trace.
    () => enqueueJobs(deps, c, signals, deps.tracing.carrier()),
    { attributes: { 'messaging.system': 'bullmq', 'messaging.batch.message_count': signals.length } },
  );
}

const NO_TRACE: TraceCarrier = {};

async function enqueueJobs(
  deps: SignalRouteDeps,
  c: Context<IngressEnv>,
  signals: NormalizedSignal[],
  trace: TraceCarrier,
): Promise<void> {
  const enqueuedAt = formatTimestamp(deps.clock.now());
  const jobs: SignalJob[] = signals.map((signal) => ({ signal, enqueuedAt, trace }));
  const stopTimer = deps.metrics.enqueueDuration.startTimer();
  try {
    await deps.queue.enqueue(jobs);
  } catch (error) {
    deps.logger.error({ err: error, requestId: c.get('requestId'), signals: signals.length }, 'enqueue failed');
    // Only an outage is worth the sender's retry; any other fault would fail the same way every time.
    if (!(error instanceof GatewayError && error.code === ErrorCode.redisUnavailable)) {
      throw new ProblemError('internal-error', INTERNAL_ERROR_DETAIL);
    }
    throw new ProblemError('service-unavailable', 'Signal queue is unavailable; retry after the Retry-After delay', {
      headers: retryAfter(REDIS_UNAVAILABLE_RETRY_AFTER_SECONDS),
      reason: RejectReason.redisUnavailable,
    });
  } finally {
    stopTimer();
  }
  for (const signal of signals) {
    deps.metrics.signalsReceived.inc({
      source_type: signal.signalSource,
      severity: deps.metrics.severityLabel(signal.severity),
    });
  }
}

function recordParseStats(deps: SignalRouteDeps, source: SourceInstance, result: ParseResult): void {
  const sourceType = source.signalSource;
  for (const item of result.ignored) deps.metrics.signalsIgnored.inc({ source_type: sourceType, reason: item.reason });
  if (result.rejected.length > 0) {
    deps.metrics.signalsRejected.inc({ source_type: sourceType, reason: 'invalid' }, result.rejected.length);
  }
  const truncated = result.stats?.truncatedAlerts ?? 0;
  if (truncated > 0) {
    deps.metrics.alertmanagerTruncatedAlerts.inc(truncated);
    deps.logger.warn(
      { source: source.name, truncatedAlerts: truncated },
      'Alertmanager truncated alerts from a webhook',
    );
  }
  const unresolved = result.stats?.unresolvedTargets ?? 0;
  if (unresolved > 0) deps.metrics.unresolvedTargets.inc({ source_type: sourceType }, unresolved);
}

/**
 * A handshake's own answer (SNS confirmations answer 200, docs/http-api.md#success-answers) goes back with the request id; its 503 (confirmation
 * failed, so the sender should retry) becomes a problem like every other 503. Other error statuses have no
 * meaning in the contract, so they are adapter faults.
 */
function handshakeResponse(
  deps: SignalRouteDeps,
  c: Context<IngressEnv>,
  source: SourceInstance,
  reply: HttpReply,
  retryAfterSeconds: number,
): Response {
  if (reply.status === 503) {
    const detail = typeof reply.body.detail === 'string' ? reply.body.detail : 'Source handshake failed; retry later';
    throw new ProblemError('service-unavailable', detail, { headers: retryAfter(retryAfterSeconds) });
  }
  if (reply.status < 200 || reply.status > 299) {
    throw adapterFault(deps, c, source, new Error(`source handshake answered HTTP ${reply.status}`));
  }
  deps.logger.info({ source: source.name, handshake: reply.body.status }, 'source handshake answered the delivery');
  return c.json({ ...reply.body, requestId: c.get('requestId') }, reply.status as 200);
}

function adapterFault(
  deps: SignalRouteDeps,
  c: Context<IngressEnv>,
  source: SourceInstance,
  error: unknown,
): ProblemError {
  deps.metrics.sourceErrors.inc({ source_type: source.signalSource });
  deps.logger.error({ err: error, requestId: c.get('requestId'), source: source.name }, 'source adapter failed');
  return new ProblemError('internal-error', INTERNAL_ERROR_DETAIL);
}

/**
 * Runs adapter code: a SourceInputError is the sender's fault (400 naming the field); anything else is a
 * fault in the adapter (500, counted, logged), never a crash. A plugin's fault was counted and logged by its
 * parse guard already.
 */
function adapterRunner(deps: SignalRouteDeps, c: Context<IngressEnv>, source: SourceInstance) {
  return async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof SourceInputError) {
        throw new ProblemError('validation-error', error.message, {
          reason: RejectReason.malformed,
          errors: [{ pointer: error.pointer, message: error.message }],
        });
      }
      if (error instanceof SourcePluginError) throw new ProblemError('internal-error', INTERNAL_ERROR_DETAIL);
      throw adapterFault(deps, c, source, error);
    }
  };
}
