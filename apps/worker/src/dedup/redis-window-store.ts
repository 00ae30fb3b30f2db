import { runLuaScript } from '@gateway/contracts';
import type { Redis } from 'ioredis';
import type {
  Admission,
  AdmitRequest,
  AdoptRequest,
  CountedAdmission,
  FlushOutcome,
  FlushTask,
  ResolvedAdmission,
  ResolvedAdmitRequest,
  WindowRecord,
  WindowSnapshot,
  WindowStore,
} from '../pipeline/window-store.js';
import { ADMIT_RESOLVED_SCRIPT } from './admit-resolved-script.js';
import { ADMIT_BATCH_SCRIPT, ADMIT_SCRIPT } from './admit-script.js';
import { ADOPT_SCRIPT } from './adopt-script.js';
import { ADVANCE_SEQ_SCRIPT } from './advance-seq-script.js';
import { CLOSE_SCRIPT } from './close-script.js';
import { dedupKeys } from './dedup-keys.js';
import { FORGET_WINDOW_SCRIPT } from './forget-window-script.js';
import { MARK_OPEN_SCRIPT } from './mark-open-script.js';
import { RECORD_WRITE_SCRIPT } from './record-write-script.js';
import { RELEASE_SCRIPT } from './release-script.js';
import { RETRY_FLUSH_SCRIPT } from './retry-flush-script.js';
import { parseSeqScriptReply, type SeqNameCandidates, withSeqNames } from './seq-name-candidates.js';
import { TAKE_DUE_FLUSHES_SCRIPT } from './take-due-flushes-script.js';

export interface RedisWindowStoreOptions {
  /** QUEUE_PREFIX: every key is `<prefix>:…` (docs/fingerprints-and-windows.md#state-in-redis). */
  prefix: string;
  /**
   * How long a taken flush stays leased before another flusher may take it again. Longer than a status
   * write with all its retries (docs/kubernetes-access.md), so a live flusher is never doubled. Read at every take,
   * since the retry settings it must outlast change on reload.
   */
  flushLeaseMs?: () => number;
}

const DEFAULT_FLUSH_LEASE_MS = 60_000;
/** Due members one take-due-flushes call handles. */
const TAKE_DUE_FLUSHES_SLICE = 50;

/** Batched admissions carry no RR names: a signal that claims a window is admitted on its own. */
const NO_NAMES: SeqNameCandidates = { base: 0, names: [] };

function parseJsonOrNull<T>(reply: unknown): T | null {
  return typeof reply === 'string' ? (JSON.parse(reply) as T) : null;
}

/**
 * Dedup windows on Redis: every window step is one Lua script (see each script module for its contract), so
 * decisions are atomic across any number of workers. Scripts derive per-member keys (`closed:<fp>:<seq>`,
 * the `win:<fp>` behind a flush member) from the prefix, which is why a single primary is required
 * (no Redis Cluster).
 */
export function createRedisWindowStore(redis: Redis, options: RedisWindowStoreOptions): WindowStore {
  const { prefix } = options;
  const flushLeaseMs = options.flushLeaseMs ?? (() => DEFAULT_FLUSH_LEASE_MS);
  const keys = dedupKeys(prefix);

  /** A delivery key only dedups while the TTL is positive (`dedup.deliveryDedupTtl` 0 disables it). */
  const deliveryKeys = (hash: string | null, ttlMs: number): string[] =>
    hash !== null && ttlMs > 0 ? [keys.delivery(hash)] : [];

  const admitKeys = (request: AdmitRequest): string[] => [
    keys.applied(request.signalId),
    keys.window(request.fingerprint),
    keys.seq(request.fingerprint),
    keys.index,
    keys.dirty,
    keys.audit,
    ...deliveryKeys(request.deliveryKeyHash, request.deliveryDedupTtlMs),
  ];

  const admitArgs = (request: AdmitRequest, candidates: SeqNameCandidates): (string | number)[] => [
    prefix,
    request.fingerprint,
    request.signalId,
    request.deliveryDedupTtlMs,
    request.receivedAtMs,
    request.namespace,
    request.flushIntervalMs,
    request.nowMs,
    request.duplicateAuditEvent ?? '',
    JSON.stringify(candidates),
    JSON.stringify(request.terminalRrNames),
    request.jobId ?? '',
  ];

  return {
    admit(request: AdmitRequest): Promise<Admission> {
      return withSeqNames(request.fingerprint, async (candidates) =>
        parseSeqScriptReply<Admission>(
          await runLuaScript(redis, ADMIT_SCRIPT, admitKeys(request), admitArgs(request, candidates)),
        ),
      );
    },

    async admitMany(requests: readonly AdmitRequest[]): Promise<(CountedAdmission | null)[]> {
      const scriptKeys: string[] = [];
      const args: (string | number)[] = [requests.length];
      for (const request of requests) {
        const itemKeys = admitKeys(request);
        const itemArgs = admitArgs(request, NO_NAMES);
        scriptKeys.push(...itemKeys);
        args.push(itemKeys.length, itemArgs.length, ...itemArgs);
      }
      const replies = await runLuaScript(redis, ADMIT_BATCH_SCRIPT, scriptKeys, args);
      if (!Array.isArray(replies) || replies.length !== requests.length) {
        throw new Error(`admission batch answered ${String(replies)} for ${requests.length} signals`);
      }
      return replies.map((reply) => {
        const parsed = Array.isArray(reply) && reply[0] === 'deferred' ? null : parseSeqScriptReply<Admission>(reply);
        return parsed?.kind === 'result' && parsed.value.decision !== 'claimed' ? parsed.value : null;
      });
    },

    async admitResolved(request: ResolvedAdmitRequest): Promise<ResolvedAdmission> {
      const reply = await runLuaScript(
        redis,
        ADMIT_RESOLVED_SCRIPT,
        [
          keys.applied(request.signalId),
          keys.window(request.fingerprint),
          keys.audit,
          ...deliveryKeys(request.deliveryKeyHash, request.deliveryDedupTtlMs),
        ],
        [request.signalId, request.deliveryDedupTtlMs, request.auditWithOpenRr, request.auditWithoutRr],
      );
      return JSON.parse(String(reply)) as ResolvedAdmission;
    },

    async adopt(request: AdoptRequest): Promise<WindowSnapshot | null> {
      const fp = request.fingerprint;
      const reply = await runLuaScript(
        redis,
        ADOPT_SCRIPT,
        [keys.window(fp), keys.seq(fp), keys.dirty, keys.audit],
        [
          fp,
          request.signalId,
          request.rr,
          request.namespace,
          request.seq,
          request.existingCount,
          request.existingFirstSeenMs ?? '',
          request.nowMs,
          request.flushIntervalMs,
          JSON.stringify(request.auditEvents),
        ],
      );
      return parseJsonOrNull<WindowSnapshot>(reply);
    },

    async advanceSeq(fingerprint: string, signalId: string, minSeq: number) {
      return withSeqNames<{ rr: string; seq: number } | null>(fingerprint, async (candidates) => {
        const reply = await runLuaScript(
          redis,
          ADVANCE_SEQ_SCRIPT,
          [keys.window(fingerprint), keys.seq(fingerprint)],
          [signalId, minSeq, JSON.stringify(candidates)],
        );
        if (reply === null) return { kind: 'result', value: null };
        return parseSeqScriptReply<{ rr: string; seq: number }>(reply);
      });
    },

    async markOpen(fingerprint: string, signalId: string, auditEvents: string[], nowMs: number) {
      const reply = await runLuaScript(
        redis,
        MARK_OPEN_SCRIPT,
        [keys.window(fingerprint), keys.dirty, keys.audit],
        [fingerprint, signalId, JSON.stringify(auditEvents), nowMs],
      );
      return parseJsonOrNull<WindowSnapshot>(reply);
    },

    async recordInitialWrite(fingerprint, seq, countWritten, nowMs, flushIntervalMs) {
      await runLuaScript(
        redis,
        RECORD_WRITE_SCRIPT,
        [keys.dirty],
        [prefix, fingerprint, seq, countWritten, nowMs, flushIntervalMs],
      );
    },

    async release(fingerprint: string, signalId: string, auditEvents: string[]) {
      await runLuaScript(
        redis,
        RELEASE_SCRIPT,
        [keys.window(fingerprint), keys.index, keys.dirty, keys.audit],
        [fingerprint, signalId, JSON.stringify(auditEvents)],
      );
    },

    async close(fingerprint: string, rrName: string, scheduleFinalWrite: boolean, nowMs: number) {
      const reply = await runLuaScript(
        redis,
        CLOSE_SCRIPT,
        [keys.window(fingerprint), keys.index, keys.dirty],
        [prefix, fingerprint, rrName, scheduleFinalWrite ? '1' : '0', nowMs],
      );
      return reply === 1;
    },

    async takeDueFlushes(nowMs: number, limit: number): Promise<FlushTask[]> {
      // In slices: one call over 500 members held Redis for 10-20 ms, and every ingress request waited behind it.
      const tasks: FlushTask[] = [];
      const leaseMs = flushLeaseMs();
      while (tasks.length < limit) {
        const slice = Math.min(TAKE_DUE_FLUSHES_SLICE, limit - tasks.length);
        const reply = await runLuaScript(redis, TAKE_DUE_FLUSHES_SCRIPT, [keys.dirty], [prefix, nowMs, slice, leaseMs]);
        const taken = JSON.parse(String(reply)) as FlushTask[];
        tasks.push(...taken);
        // A short slice means the due members ran out (or some were dropped or deferred): the next round goes on.
        if (taken.length < slice) break;
      }
      return tasks;
    },

    async completeFlush(task: FlushTask, outcome: FlushOutcome, nowMs: number, flushIntervalMs: number) {
      const fp = task.fingerprint;
      switch (outcome.result) {
        case 'ok':
          await runLuaScript(
            redis,
            RECORD_WRITE_SCRIPT,
            [keys.dirty],
            [prefix, fp, task.seq, task.count, nowMs, flushIntervalMs],
          );
          return;
        case 'gone':
          await runLuaScript(
            redis,
            FORGET_WINDOW_SCRIPT,
            [keys.window(fp), keys.index, keys.dirty],
            [prefix, fp, task.seq],
          );
          return;
        case 'retry':
          await runLuaScript(
            redis,
            RETRY_FLUSH_SCRIPT,
            [keys.window(fp), keys.dirty],
            [prefix, fp, task.seq, nowMs + outcome.delayMs],
          );
          return;
      }
    },

    async appendAudit(events: string[]) {
      if (events.length === 0) return;
      // MULTI: a crash never leaves half of one decision's events in the stream.
      const multi = redis.multi();
      for (const event of events) multi.xadd(keys.audit, '*', 'event', event);
      // exec resolves with per-command errors instead of rejecting; an event that was not appended must
      // fail the caller, or the decision it records would go unaudited.
      const failed = (await multi.exec())?.find(([err]) => err !== null);
      if (failed) throw failed[0];
    },

    async *listWindows(): AsyncIterable<WindowRecord> {
      let cursor = '0';
      do {
        const [next, fingerprints] = await redis.sscan(keys.index, cursor, 'COUNT', 200);
        cursor = next;
        const pipeline = redis.pipeline();
        for (const fp of fingerprints)
          pipeline.hmget(keys.window(fp), 'state', 'rr', 'rrNs', 'seq', 'owner', 'first', 'job');
        const replies = (await pipeline.exec()) ?? [];
        for (const [i, fp] of fingerprints.entries()) {
          const [err, fields] = replies[i] ?? [null, null];
          if (err || !Array.isArray(fields)) continue;
          const [state, rr, rrNs, seq, owner, first, job] = fields as (string | null)[];
          if ((state !== 'pending' && state !== 'open') || !rr) continue;
          yield {
            fingerprint: fp,
            state,
            rr,
            namespace: rrNs ?? '',
            seq: Number(seq ?? 0),
            owner: owner ?? '',
            ownerJob: job ?? owner ?? '',
            firstMs: Number(first ?? 0),
          };
        }
      } while (cursor !== '0');
    },

    openWindows(): Promise<number> {
      return redis.scard(keys.index);
    },
  };
}
