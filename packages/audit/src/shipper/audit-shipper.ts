import { randomUUID } from 'node:crypto';
import { ErrorCode, GatewayError } from '@gateway/contracts';
import type { Redis } from 'ioredis';
import type { AuditEvent, AuditEventType } from '../events/audit-event-types.js';
import { type AuditSink, type AuditSinkResult, SinkOutcome } from '../sinks/audit-sink.js';
import { type AuditEventValidator, createAuditEventValidator } from '../validation/audit-event-validator.js';
import { type AuditBacklog, readAuditBacklog } from './audit-backlog.js';
import { AuditBatchResult, type AuditLogger, type AuditMetrics, DeadLetterReason } from './audit-metrics.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryBackoffMs, sleepUnlessAborted } from './retry-backoff.js';
import { entriesOfReadReply, type StreamEntry, toStreamEntries } from './stream-entries.js';
import { AUDIT_CONSUMER_GROUP, AUDIT_EVENT_FIELD, auditDeadStreamKey, auditStreamKey } from './stream-keys.js';

export const DEFAULT_CLAIM_IDLE_MS = 30_000;
/** A partial batch is topped up this many times per flush interval, at most every MIN_POLL_MS. */
const POLLS_PER_FLUSH_INTERVAL = 10;
const MIN_POLL_MS = 10;
export const DEFAULT_BACKLOG_SAMPLE_INTERVAL_MS = 5_000;

/** What a configuration reload may change while the shipper runs; each batch keeps the settings it was read with. */
export interface AuditShipperSettings {
  batchSize: number;
  /** Longest wait to fill a batch. */
  flushIntervalMs: number;
  retry: RetryPolicy;
}

export const DEFAULT_AUDIT_SHIPPER_SETTINGS: AuditShipperSettings = {
  batchSize: 100,
  flushIntervalMs: 1_000,
  retry: DEFAULT_RETRY_POLICY,
};

export interface AuditShipperOptions {
  /** A connection of the shipper's own: it blocks on it for up to `flushIntervalMs` at a time. */
  redis: Redis;
  prefix: string;
  /** Stable per process (pod name), so a restarted process picks up its own pending entries first. */
  consumerName: string;
  sink: AuditSink;
  /** Read once per batch (reading, delivery and its retries), so a reload applies from the next batch on. */
  settings?: () => AuditShipperSettings;
  /** Entries pending this long with another consumer are taken over: that consumer is presumed dead. */
  claimIdleMs?: number;
  backlogSampleIntervalMs?: number;
  logger?: AuditLogger;
  metrics?: Partial<AuditMetrics>;
  validate?: AuditEventValidator;
  now?: () => number;
  /**
   * Runs each shipment (a batch, with its retries and splits) inside a span: the request to Data Storage is then
   * traced under it and carries its `traceparent`.
   */
  traceShipment?: <T>(events: number, work: () => Promise<T>) => Promise<T>;
}

export interface AuditShipper {
  start(): Promise<void>;
  /** Finishes the batch in hand (without further retries: undelivered entries stay pending) and returns. */
  stop(): Promise<void>;
  backlog(): Promise<AuditBacklog>;
}

interface ShippableEvent {
  id: string;
  raw: string;
  event: AuditEvent;
}

const silentLogger: AuditLogger = { info() {}, warn() {}, error() {} };

function countByType(batch: readonly ShippableEvent[]): Map<AuditEventType, number> {
  const counts = new Map<AuditEventType, number>();
  for (const { event } of batch) counts.set(event.event_type, (counts.get(event.event_type) ?? 0) + 1);
  return counts;
}

function deliveryError(cause: unknown): GatewayError {
  return new GatewayError({
    code: ErrorCode.auditDelivery,
    operation: 'audit.ship',
    errorType: 'unknown',
    retryable: true,
    cause,
  });
}

function describeResult(result: AuditSinkResult): string {
  return result.problemDetail ? `${result.status}: ${result.problemDetail}` : String(result.status);
}

/**
 * Delivers the audit stream to a sink with nothing lost: an entry leaves the stream only after the sink
 * stored it or it was moved to the dead stream, and entries of a crashed shipper are taken over by another.
 */
export function createAuditShipper(options: AuditShipperOptions): AuditShipper {
  const { redis, prefix, consumerName, sink } = options;
  const settingsNow = options.settings ?? (() => DEFAULT_AUDIT_SHIPPER_SETTINGS);
  const claimIdleMs = options.claimIdleMs ?? DEFAULT_CLAIM_IDLE_MS;
  const backlogSampleIntervalMs = options.backlogSampleIntervalMs ?? DEFAULT_BACKLOG_SAMPLE_INTERVAL_MS;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? {};
  const now = options.now ?? Date.now;
  const validate = options.validate ?? createAuditEventValidator();
  const streamKey = auditStreamKey(prefix);
  const deadKey = auditDeadStreamKey(prefix);

  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  /** Our own pending entries are read first (from a previous life of this consumer), then new ones. */
  let ownPendingCursor: string | undefined = '0';
  let claimCursor = '0-0';
  let nextClaimAtMs = 0;
  let stopSampling: () => void = () => undefined;

  async function ensureGroup(): Promise<void> {
    try {
      // From the stream's start: events appended before any shipper existed are delivered too.
      await redis.xgroup('CREATE', streamKey, AUDIT_CONSUMER_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.includes('BUSYGROUP'))) throw error;
    }
  }

  async function readOwnPending(batchSize: number): Promise<StreamEntry[]> {
    const reply = await redis.xreadgroup(
      'GROUP',
      AUDIT_CONSUMER_GROUP,
      consumerName,
      'COUNT',
      batchSize,
      'STREAMS',
      streamKey,
      ownPendingCursor ?? '0',
    );
    const entries = entriesOfReadReply(reply);
    ownPendingCursor = entries.length === 0 ? undefined : entries[entries.length - 1]?.id;
    return entries;
  }

  async function claimAbandoned(batchSize: number): Promise<StreamEntry[]> {
    const reply = (await redis.xautoclaim(
      streamKey,
      AUDIT_CONSUMER_GROUP,
      consumerName,
      claimIdleMs,
      claimCursor,
      'COUNT',
      batchSize,
    )) as [string, unknown, ...unknown[]];
    claimCursor = String(reply[0]);
    // A full scan is done: look again once entries could have become idle enough.
    if (claimCursor === '0-0') nextClaimAtMs = now() + Math.max(1, Math.floor(claimIdleMs / 2));
    return toStreamEntries(reply[1]);
  }

  /**
   * Waits for the first new entry (an idle shipper costs nothing and a lone event leaves at once), then gathers the
   * batch by reading every `pollMs` until it is full or `flushIntervalMs` has passed: a blocking read per entry would
   * wake this process and Redis once per event under a steady trickle.
   */
  async function readNew({ batchSize, flushIntervalMs }: AuditShipperSettings): Promise<StreamEntry[]> {
    const pollMs = Math.max(MIN_POLL_MS, Math.floor(flushIntervalMs / POLLS_PER_FLUSH_INTERVAL));
    const deadline = now() + flushIntervalMs;
    const entries: StreamEntry[] = [];
    while (entries.length < batchSize && !stopping.signal.aborted) {
      const remainingMs = deadline - now();
      if (remainingMs <= 0) break;
      if (entries.length > 0) {
        await sleepUnlessAborted(Math.min(remainingMs, pollMs), stopping.signal);
        if (stopping.signal.aborted) break;
      }
      const count = ['COUNT', batchSize - entries.length] as const;
      const reply =
        entries.length === 0
          ? await redis.xreadgroup(
              'GROUP',
              AUDIT_CONSUMER_GROUP,
              consumerName,
              ...count,
              'BLOCK',
              remainingMs,
              'STREAMS',
              streamKey,
              '>',
            )
          : await redis.xreadgroup('GROUP', AUDIT_CONSUMER_GROUP, consumerName, ...count, 'STREAMS', streamKey, '>');
      entries.push(...entriesOfReadReply(reply));
    }
    return entries;
  }

  async function nextEntries(settings: AuditShipperSettings): Promise<StreamEntry[]> {
    if (ownPendingCursor !== undefined) {
      const own = await readOwnPending(settings.batchSize);
      if (own.length > 0) return own;
    }
    if (now() >= nextClaimAtMs) {
      const claimed = await claimAbandoned(settings.batchSize);
      if (claimed.length > 0) {
        logger.warn({ count: claimed.length, consumer: consumerName }, 'audit entries of a stalled shipper taken over');
        return claimed;
      }
    }
    return readNew(settings);
  }

  async function removeFromStream(ids: readonly string[], deadLetters: readonly (readonly string[])[] = []) {
    const transaction = redis.multi();
    for (const fields of deadLetters) transaction.xadd(deadKey, '*', ...fields);
    transaction.xack(streamKey, AUDIT_CONSUMER_GROUP, ...ids).xdel(streamKey, ...ids);
    const replies = (await transaction.exec()) ?? [];
    const failure = replies.find(([error]) => error)?.[0];
    if (failure) throw failure;
  }

  async function deadLetter(entries: readonly { id: string; raw: string }[], reason: DeadLetterReason, detail: string) {
    if (entries.length === 0) return;
    const records = entries.map((entry) => [
      AUDIT_EVENT_FIELD,
      entry.raw,
      'reason',
      reason,
      'detail',
      detail,
      'entry_id',
      entry.id,
    ]);
    await removeFromStream(
      entries.map((entry) => entry.id),
      records,
    );
    for (const entry of entries) {
      metrics.eventDeadLettered?.(reason);
      logger.error(
        { err: deliveryError(detail), entryId: entry.id, reason, detail },
        'audit event moved to the dead stream',
      );
    }
  }

  /** Renews our claim while a batch is retried, so that live shippers do not take it over from us. */
  function keepClaimed(ids: readonly string[]): () => void {
    const timer = setInterval(
      () => {
        redis
          .xclaim(streamKey, AUDIT_CONSUMER_GROUP, consumerName, 0, ...ids, 'JUSTID')
          .catch((error: unknown) => logger.warn({ err: error }, 'could not renew the claim on audit entries'));
      },
      Math.max(1, Math.floor(claimIdleMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  async function deliver(batch: readonly ShippableEvent[], retryPolicy: RetryPolicy): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const startedAtMs = now();
      const result = await sink.send(
        batch.map((entry) => entry.event),
        { requestId: randomUUID() },
      );
      const durationSeconds = (now() - startedAtMs) / 1000;
      if (result.outcome === SinkOutcome.accepted) {
        await removeFromStream(batch.map((entry) => entry.id));
        metrics.batchFinished?.(AuditBatchResult.success, batch.length, durationSeconds);
        for (const [eventType, count] of countByType(batch)) metrics.eventsDelivered?.(eventType, count);
        return;
      }
      if (result.outcome === SinkOutcome.rejected || result.outcome === SinkOutcome.tooLarge) {
        if (batch.length === 1) {
          const reason =
            result.outcome === SinkOutcome.rejected ? DeadLetterReason.rejected : DeadLetterReason.tooLarge;
          await deadLetter(batch, reason, describeResult(result));
          return;
        }
        // Halving isolates the offending events in log2(n) requests while the others still get through.
        metrics.batchFinished?.(AuditBatchResult.split, batch.length, durationSeconds);
        const middle = Math.ceil(batch.length / 2);
        await deliver(batch.slice(0, middle), retryPolicy);
        await deliver(batch.slice(middle), retryPolicy);
        return;
      }
      metrics.batchFinished?.(AuditBatchResult.retry, batch.length, durationSeconds);
      const delayMs = retryBackoffMs(attempt, retryPolicy);
      logger.warn(
        { err: deliveryError(describeResult(result)), sink: sink.name, events: batch.length, attempt, delayMs },
        'audit batch not delivered, retrying',
      );
      if (stopping.signal.aborted) return;
      await sleepUnlessAborted(delayMs, stopping.signal);
      if (stopping.signal.aborted) return;
    }
  }

  async function ship(entries: readonly StreamEntry[], retryPolicy: RetryPolicy): Promise<void> {
    const gone = entries.filter((entry) => entry.event === undefined).map((entry) => entry.id);
    if (gone.length > 0) await redis.xack(streamKey, AUDIT_CONSUMER_GROUP, ...gone);
    const valid: ShippableEvent[] = [];
    const invalid: { id: string; raw: string; reason: string }[] = [];
    for (const { id, event: raw } of entries) {
      if (raw === undefined) continue;
      let candidate: unknown;
      try {
        candidate = JSON.parse(raw);
      } catch {
        invalid.push({ id, raw, reason: 'event is not JSON' });
        continue;
      }
      const validation = validate(candidate);
      if (validation.valid) valid.push({ id, raw, event: validation.event });
      else invalid.push({ id, raw, reason: validation.reason });
    }
    for (const entry of invalid) await deadLetter([entry], DeadLetterReason.invalid, entry.reason);
    if (valid.length === 0) return;
    const releaseClaim = keepClaimed(valid.map((entry) => entry.id));
    try {
      if (options.traceShipment) await options.traceShipment(valid.length, () => deliver(valid, retryPolicy));
      else await deliver(valid, retryPolicy);
    } finally {
      releaseClaim();
    }
  }

  /** On a timer rather than in the loop: during an outage the loop sits in retries, and that is when it matters. */
  function sampleBacklogPeriodically(report: (backlog: AuditBacklog) => void): () => void {
    let sampling = false;
    const sample = () => {
      if (sampling) return;
      sampling = true;
      readAuditBacklog(redis, prefix, now())
        .then(report, (error: unknown) => logger.warn({ err: error }, 'could not read the audit backlog'))
        .finally(() => {
          sampling = false;
        });
    };
    sample();
    const timer = setInterval(sample, backlogSampleIntervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async function run(): Promise<void> {
    let redisFailures = 0;
    while (!stopping.signal.aborted) {
      const settings = settingsNow();
      try {
        const entries = await nextEntries(settings);
        if (entries.length > 0) await ship(entries, settings.retry);
        redisFailures = 0;
      } catch (error) {
        if (stopping.signal.aborted) break;
        redisFailures += 1;
        // Mostly Redis being unreachable. The entries stay pending and are read again (or claimed by a peer).
        ownPendingCursor = '0';
        const delayMs = retryBackoffMs(redisFailures, settings.retry);
        logger.error(
          { err: deliveryError(error), attempt: redisFailures, delayMs },
          'audit shipper step failed; pending entries will be read again',
        );
        if (error instanceof Error && error.message.includes('NOGROUP')) await ensureGroup().catch(() => undefined);
        await sleepUnlessAborted(delayMs, stopping.signal);
      }
    }
  }

  return {
    async start() {
      if (running) return;
      await ensureGroup();
      const { batchSize, flushIntervalMs } = settingsNow();
      logger.info({ sink: sink.name, consumer: consumerName, batchSize, flushIntervalMs }, 'audit shipper started');
      if (metrics.backlogObserved) stopSampling = sampleBacklogPeriodically(metrics.backlogObserved);
      running = run();
    },
    async stop() {
      stopping.abort();
      stopSampling();
      await running;
    },
    backlog: () => readAuditBacklog(redis, prefix, now()),
  };
}
