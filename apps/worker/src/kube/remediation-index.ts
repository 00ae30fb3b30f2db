import { RR_GROUP, RR_PLURAL, RR_VERSION } from '@gateway/contracts';
import { CustomObjectsApi, type KubeConfig, type KubernetesListObject, makeInformer } from '@kubernetes/client-node';
import type { KnownRemediation, RemediationIndex } from '../pipeline/ports.js';
import type { HoldTerminalOptions } from './hold-terminal.js';
import {
  dropHeavyFields,
  type RemediationRecord,
  type RemediationWireObject,
  toRemediationRecord,
} from './remediation-record.js';
import { requestOptions } from './request-options.js';
import { isWindowClosed } from './window-closed.js';

/** pino-compatible. */
export interface IndexLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface RemediationIndexOptions {
  /** The RR namespace of the cluster this KubeConfig points at. */
  namespace: string;
  /** Read at every decision, so `dedup.holdTerminal.*` reloads apply without a restart. */
  holdTerminal: () => HoldTerminalOptions;
  /**
   * An RR's window became closed (terminal phase, not held by `dedup.holdTerminal`) or the RR was deleted. Not
   * called for RRs that are already closed in the initial list: admission passes those names itself. May be
   * called more than once for one RR; the window-closing step is idempotent.
   */
  onClosable(fingerprint: string, rrName: string, deleted: boolean): void;
  now?: () => number;
  logger?: IndexLogger;
  /** Timeout of the list request; the watch has client-node's own inactivity timeout. */
  listTimeoutMs?: number;
  /** Delay before restarting after a failure, doubling up to `max` while failures continue. */
  restartBackoffMs?: { initial: number; max: number };
}

export interface ManagedRemediationIndex extends RemediationIndex {
  /** Starts list + watch; resolves once the initial list is in the index (or `stop()` was called). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Informer-backed view of the RemediationRequests in one namespace: admission adopts a live RR from it after a
 * claim, and terminal or deleted RRs close their window (docs/fingerprints-and-windows.md#closing-windows).
 *
 * The list goes through our own list function, which fills the index before handing the list to the
 * informer: that is the only point where "the initial list is complete" is observable. client-node restarts
 * the watch by itself after a clean close, a 410 or a timeout but gives up on connection errors, so every
 * `error` event schedules a restart with backoff here.
 */
export function createRemediationIndex(
  kubeConfig: KubeConfig,
  options: RemediationIndexOptions,
): ManagedRemediationIndex {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const now = options.now ?? Date.now;
  const listTimeoutMs = options.listTimeoutMs ?? 30_000;
  const backoff = options.restartBackoffMs ?? { initial: 250, max: 10_000 };
  const records = new Map<string, RemediationRecord>();
  const namesByFingerprint = new Map<string, Set<string>>();
  const holdTimers = new Map<string, NodeJS.Timeout>();
  let synced = false;
  let stopped = false;
  let restartDelayMs = backoff.initial;
  let restartTimer: NodeJS.Timeout | undefined;
  let started: Promise<void> | undefined;
  let markStarted: () => void = () => {};

  const isClosed = (record: RemediationRecord) => isWindowClosed(record, options.holdTerminal(), now());

  function notify(record: RemediationRecord, deleted: boolean): void {
    try {
      options.onClosable(record.fingerprint, record.name, deleted);
    } catch (err) {
      options.logger?.warn({ err, rr: record.name }, 'closing the dedup window of a RemediationRequest failed');
    }
  }

  function clearHoldTimer(name: string): void {
    clearTimeout(holdTimers.get(name));
    holdTimers.delete(name);
  }

  /** A window held open only by a future `nextAllowedExecution` closes by the clock, with no event to see. */
  function scheduleHoldExpiry(record: RemediationRecord): void {
    clearHoldTimer(record.name);
    const untilMs = record.nextAllowedExecutionMs;
    if (untilMs === undefined || untilMs <= now() || !options.holdTerminal().backoff || isClosed(record)) return;
    const timer = setTimeout(
      () => {
        holdTimers.delete(record.name);
        const current = records.get(record.name);
        if (current && isClosed(current)) notify(current, false);
      },
      Math.min(MAX_TIMER_DELAY_MS, untilMs - now() + 1),
    );
    timer.unref();
    holdTimers.set(record.name, timer);
  }

  function upsert(obj: RemediationWireObject): void {
    const next = toRemediationRecord(obj);
    if (!next) return;
    const previous = records.get(next.name);
    const wasClosed = previous !== undefined && isClosed(previous);
    if (previous && previous.fingerprint !== next.fingerprint) forget(previous);
    records.set(next.name, next);
    const names = namesByFingerprint.get(next.fingerprint) ?? new Set<string>();
    names.add(next.name);
    namesByFingerprint.set(next.fingerprint, names);
    scheduleHoldExpiry(next);
    if (synced && !wasClosed && isClosed(next)) notify(next, false);
  }

  function forget(record: RemediationRecord): void {
    records.delete(record.name);
    clearHoldTimer(record.name);
    const names = namesByFingerprint.get(record.fingerprint);
    names?.delete(record.name);
    if (names?.size === 0) namesByFingerprint.delete(record.fingerprint);
  }

  function remove(name: string | undefined): void {
    const record = name === undefined ? undefined : records.get(name);
    if (!record) return;
    forget(record);
    notify(record, true);
  }

  async function list(): Promise<KubernetesListObject<RemediationWireObject>> {
    const result = (await api.listNamespacedCustomObject(
      { group: RR_GROUP, version: RR_VERSION, namespace: options.namespace, plural: RR_PLURAL },
      requestOptions(AbortSignal.timeout(listTimeoutMs)),
    )) as KubernetesListObject<RemediationWireObject>;
    const listed = new Set<string>();
    for (const item of result.items) {
      dropHeavyFields(item);
      upsert(item);
      if (item.metadata?.name) listed.add(item.metadata.name);
    }
    for (const name of [...records.keys()]) if (!listed.has(name)) remove(name);
    if (stopped) return result;
    synced = true;
    restartDelayMs = backoff.initial;
    markStarted();
    return result;
  }

  const informer = makeInformer<RemediationWireObject>(
    kubeConfig,
    `/apis/${RR_GROUP}/${RR_VERSION}/namespaces/${options.namespace}/${RR_PLURAL}`,
    list,
  );

  const onObject = (obj: RemediationWireObject) => {
    restartDelayMs = backoff.initial;
    dropHeavyFields(obj);
    upsert(obj);
  };
  informer.on('add', onObject);
  informer.on('update', onObject);
  informer.on('delete', (obj) => {
    restartDelayMs = backoff.initial;
    remove(obj.metadata?.name);
  });
  informer.on('error', (err) => {
    if (stopped) return;
    options.logger?.warn(
      { err, namespace: options.namespace, retryInMs: restartDelayMs },
      'RemediationRequest informer failed; restarting',
    );
    scheduleRestart();
  });

  function scheduleRestart(): void {
    if (stopped || restartTimer) return;
    const delayMs = restartDelayMs;
    restartDelayMs = Math.min(backoff.max, restartDelayMs * 2);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (!stopped) runInformer();
    }, delayMs);
  }

  function runInformer(): void {
    informer.start().catch((err: unknown) => {
      options.logger?.warn({ err, namespace: options.namespace }, 'RemediationRequest informer could not start');
      scheduleRestart();
    });
  }

  return {
    byFingerprint(fingerprint: string): KnownRemediation[] {
      const known: KnownRemediation[] = [];
      for (const name of namesByFingerprint.get(fingerprint) ?? []) {
        const record = records.get(name);
        if (!record) continue;
        const remediation: KnownRemediation = {
          name: record.name,
          namespace: record.namespace,
          fingerprint: record.fingerprint,
          phase: record.phase,
          terminal: isClosed(record),
          seq: record.seq,
        };
        if (record.firstSeenAt !== undefined) remediation.firstSeenAt = record.firstSeenAt;
        if (record.occurrenceCount !== undefined) remediation.occurrenceCount = record.occurrenceCount;
        known.push(remediation);
      }
      return known;
    },
    synced: () => synced,
    start(): Promise<void> {
      if (!started) {
        stopped = false;
        started = new Promise<void>((resolve) => {
          markStarted = resolve;
        });
        runInformer();
      }
      return started;
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      for (const name of [...holdTimers.keys()]) clearHoldTimer(name);
      markStarted();
      started = undefined;
      synced = false;
      await informer.stop();
    },
  };
}
