import { type AuditEvent, appendAuditEvents, configRejectedEvent, configReloadedEvent } from '@gateway/audit';
import {
  type ConfigProblem,
  type ConfigRuntime,
  formatProblems,
  type LoadConfigResult,
  type ReadinessConfigDetail,
  readinessConfigDetail,
} from '@gateway/config';
import type { Redis } from 'ioredis';
import { createConfigFanout, type FanoutMessage } from './config-fanout.js';
import { type ConfigFileWatch, watchConfigFile } from './config-file-watch.js';
import { createFleetRegistry, type FleetRole } from './fleet-registry.js';
import type { ReloadMetrics } from './reload-metrics.js';
import { createRollbackGuard, ROLLBACK_BUCKET_MS, type RollbackTrip } from './rollback-guard.js';

export const RELOAD_TRIGGER = { file: 'file', signal: 'signal', admin: 'admin' } as const;
export type ReloadTrigger = (typeof RELOAD_TRIGGER)[keyof typeof RELOAD_TRIGGER];

export interface ReloadRequest {
  trigger: ReloadTrigger;
  /** Applies a candidate whose hash was quarantined by an automatic rollback (`SIGHUP`, `?force=true`). */
  force?: boolean;
  /** Asks every other ingress and worker to reload too (the admin endpoint). */
  fanOut?: boolean;
}

export type ReloadResult =
  | { result: 'reloaded'; configHash: string; previousHash: string; changed: string[]; restartRequired: string[] }
  | { result: 'unchanged'; configHash: string }
  /** The candidate was rolled back automatically earlier; it applies again with `force` or once the file changes. */
  | { result: 'quarantined'; configHash: string }
  | { result: 'rejected'; component: string; problems: ConfigProblem[] };

export interface ReloadLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface ReloadControllerDeps<T> {
  runtime: ConfigRuntime<T>;
  /** Reads the file and the environment again, as at startup. */
  load(): LoadConfigResult;
  role: FleetRole;
  /** Unique per process (pod and pid): names the fleet member and the audit event ids. */
  processId: string;
  pod: string;
  /** Commands: audit events, fleet reports, fan-out publishing. */
  redis: Redis;
  /** Pub/sub only: a subscribed connection takes no other commands. */
  subscriber: Redis;
  prefix: string;
  /** `GATEWAY_CONFIG`; watched while `reload.watch` is on. */
  configPath: string | undefined;
  logger: ReloadLogger;
  metrics: ReloadMetrics;
  nowMs(): number;
}

export interface ReloadController {
  reload(request: ReloadRequest): Promise<ReloadResult>;
  /** The configuration part of `/readyz`. */
  readiness(): ReadinessConfigDetail;
  /** One finished request (ingress) or job (worker), for automatic rollback's error ratio. */
  recordOutcome(isError: boolean): void;
  /** File watch, fan-out subscription, fleet heartbeat and the rollback check. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Lets a test run the rollback check on its own clock instead of every 10 s. */
export interface ReloadControllerTiming {
  rollbackCheckIntervalMs?: number;
}

/**
 * Reloads one process's configuration from any trigger, one reload at a time, and keeps the fleet in step
 * (docs/configuration.md#reloading-without-a-restart): file watch, `SIGHUP` (wired by main), the admin endpoint,
 * and the Redis channel on which one process asks the others to reload or roll back.
 */
export function createReloadController<T>(
  deps: ReloadControllerDeps<T>,
  timing: ReloadControllerTiming = {},
): ReloadController {
  const { runtime, logger, metrics } = deps;
  const config = () => runtime.current().snapshot.config;
  const guard = createRollbackGuard({ settings: () => config().reload.autoRollback, nowMs: deps.nowMs });
  const fleet = createFleetRegistry({
    redis: deps.redis,
    prefix: deps.prefix,
    member: { id: deps.processId, role: deps.role, pod: deps.pod },
    state: () => {
      const { snapshot } = runtime.current();
      return { configHash: snapshot.configHash, restartRequired: [...snapshot.restartRequired] };
    },
    nowMs: deps.nowMs,
    onError: (error) => logger.warn({ err: error }, 'could not report this process to the fleet view'),
  });
  const fanout = createConfigFanout({
    publisher: deps.redis,
    subscriber: deps.subscriber,
    prefix: deps.prefix,
    processId: deps.processId,
    onMessage: (message) =>
      inBackground('a configuration change asked for by the fleet', () => onFleetMessage(message)),
    onError: (error) => logger.warn({ err: error }, 'configuration fan-out message ignored'),
  });

  // Audit event ids name the process and this counter, so every attempt's events are distinct and a retried
  // append of one attempt is not.
  let attempt = 0;
  let rejected: readonly ConfigProblem[] = [];
  /** A candidate rolled back automatically: not applied again from the file until the file changes. */
  let quarantined: string | undefined;
  /** The trigger of the reload the guard watches, for the rolled_back count. */
  let guardedTrigger: ReloadTrigger = RELOAD_TRIGGER.file;
  let queue: Promise<unknown> = Promise.resolve();
  let watch: ConfigFileWatch | undefined;
  let checkTimer: NodeJS.Timeout | undefined;

  /** Work started from a timer, a watch or a message: nothing awaits it, so its failure is logged here. */
  const inBackground = (what: string, work: () => Promise<unknown>): void => {
    work().catch((error: unknown) => logger.error({ err: error }, `${what} failed`));
  };

  /** Reloads never interleave: each validates against, and swaps from, the snapshot the previous one left. */
  const serially = <R>(work: () => Promise<R>): Promise<R> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const appendAudit = async (events: AuditEvent[]): Promise<void> => {
    try {
      await appendAuditEvents(deps.redis, deps.prefix, events);
    } catch (error) {
      logger.error({ err: error, events: events.length }, 'could not append configuration audit events');
    }
  };

  const auditInput = (component: string, configHash: string) => ({
    processId: deps.processId,
    reloadSequence: attempt,
    component,
    configHash,
    now: new Date(deps.nowMs()),
  });

  const showRunning = (): void => {
    const { snapshot } = runtime.current();
    metrics.configInfo.reset();
    metrics.configInfo.set({ hash: snapshot.configHash }, 1);
    metrics.restartRequired.set(snapshot.restartRequired.length > 0 ? 1 : 0);
    fleet
      .report()
      .catch((error: unknown) => logger.warn({ err: error }, 'could not report this process to the fleet view'));
  };

  const reject = async (trigger: ReloadTrigger, problems: ConfigProblem[], component: string, hash?: string) => {
    rejected = problems;
    metrics.reloads.inc({ result: 'rejected', trigger });
    metrics.lastReloadSuccessful.set(0);
    logger.error(
      { trigger, component, problems: problems.map((problem) => problem.message) },
      formatProblems(problems, deps.configPath),
    );
    // A candidate that never validated has no hash of its own; the events then carry the running one.
    const configHash = hash ?? runtime.current().snapshot.configHash;
    const reason = problems.map((problem) => problem.message).join('; ');
    await appendAudit([configRejectedEvent({ ...auditInput(component, configHash), rejectionReason: reason })]);
  };

  const reloadNow = async (request: ReloadRequest): Promise<ReloadResult> => {
    attempt += 1;
    const { trigger } = request;
    const candidate = deps.load();
    if (candidate.ok && candidate.configHash === quarantined && !request.force) {
      logger.info({ trigger, configHash: quarantined }, 'configuration skipped: it was rolled back automatically');
      return { result: 'quarantined', configHash: candidate.configHash };
    }
    if (candidate.ok && candidate.configHash !== quarantined) quarantined = undefined;
    const outcome = runtime.propose(candidate);
    if (outcome.result === 'rejected') {
      await reject(trigger, outcome.problems, outcome.component, outcome.candidateHash);
      return { result: 'rejected', component: outcome.component, problems: outcome.problems };
    }
    rejected = [];
    metrics.lastReloadSuccessful.set(1);
    if (outcome.result === 'unchanged') {
      metrics.reloads.inc({ result: 'unchanged', trigger });
      return outcome;
    }
    if (request.force) quarantined = undefined;
    metrics.reloads.inc({ result: 'success', trigger });
    metrics.lastReloadSuccessTimestamp.set(deps.nowMs() / 1000);
    showRunning();
    const { configHash, previousHash, changed, restartRequired } = outcome;
    logger.info({ trigger, configHash, previousHash, changed }, 'configuration reloaded');
    if (restartRequired.length > 0) {
      logger.warn(
        { restartRequired },
        'configuration changed keys that apply only after a restart; running values kept',
      );
    }
    for (const warning of runtime.current().snapshot.warnings) logger.warn({ path: warning.path }, warning.message);
    // A reload that changed only restart-only keys changed nothing running: there is nothing to roll back.
    if (changed.length > 0) {
      guardedTrigger = trigger;
      guard.reloaded(configHash);
    }
    await appendAudit(changed.map((component) => configReloadedEvent(auditInput(component, configHash))));
    return { result: 'reloaded', configHash, previousHash, changed, restartRequired };
  };

  /** Swaps back and quarantines; `reason` goes to the audit event of each component the undone reload changed. */
  const rollBack = async (fromHash: string, reason: string, trigger: ReloadTrigger): Promise<boolean> => {
    if (runtime.current().snapshot.configHash !== fromHash) return false;
    attempt += 1;
    const outcome = runtime.rollback();
    if (outcome.result !== 'rolled_back') return false;
    quarantined = fromHash;
    guard.forget();
    metrics.reloads.inc({ result: 'rolled_back', trigger });
    metrics.lastReloadSuccessful.set(0);
    showRunning();
    logger.error({ fromHash, configHash: outcome.configHash, changed: outcome.changed }, reason);
    const components = outcome.changed.length > 0 ? outcome.changed : ['config'];
    await appendAudit(
      components.map((component) =>
        configRejectedEvent({ ...auditInput(component, fromHash), rejectionReason: reason }),
      ),
    );
    return true;
  };

  const onTrip = async (trip: RollbackTrip): Promise<void> => {
    const toHash = await serially(async () => {
      const undone = await rollBack(trip.configHash, trip.reason, guardedTrigger);
      return undone ? runtime.current().snapshot.configHash : undefined;
    });
    if (toHash === undefined) return;
    await fanout
      .publish({ kind: 'rollback', origin: deps.processId, fromHash: trip.configHash, toHash })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not ask the fleet to roll back'));
  };

  const onFleetMessage = async (message: FanoutMessage): Promise<void> => {
    if (message.kind === 'reload') {
      await serially(() => reloadNow({ trigger: RELOAD_TRIGGER.admin, force: message.force }));
      return;
    }
    await serially(async () => {
      // Processes that have not applied the candidate yet must not apply it from their file later either.
      const undone = await rollBack(
        message.fromHash,
        `automatic rollback on ${message.origin}: reload ${message.fromHash} raised its error ratio`,
        RELOAD_TRIGGER.admin,
      );
      if (!undone) quarantined = message.fromHash;
    });
  };

  return {
    async reload(request) {
      const result = await serially(() => reloadNow(request));
      // The other processes read the same file: after a rejection here they would only repeat it, each with its
      // own audit event and log lines.
      if (request.fanOut && result.result !== 'rejected') {
        await fanout
          .publish({ kind: 'reload', origin: deps.processId, force: request.force ?? false })
          .catch((error: unknown) => logger.warn({ err: error }, 'could not ask the fleet to reload'));
      }
      return result;
    },
    readiness: () => readinessConfigDetail(runtime.current().snapshot, rejected),
    recordOutcome: (isError) => guard.record(isError),
    async start() {
      metrics.lastReloadSuccessful.set(1);
      metrics.lastReloadSuccessTimestamp.set(deps.nowMs() / 1000);
      showRunning();
      fleet.start();
      const { reload } = config();
      if (reload.watch && deps.configPath) {
        watch = watchConfigFile({
          path: deps.configPath,
          debounceMs: reload.debounce,
          pollIntervalMs: reload.pollInterval,
          onChange: () =>
            inBackground('a configuration reload', () => serially(() => reloadNow({ trigger: RELOAD_TRIGGER.file }))),
          onError: (error) => logger.warn({ err: error }, 'watching the configuration file failed; polling goes on'),
        });
        // The watch compares with the file as it is now: a change made since startup's load would count as the
        // baseline and never apply.
        const onDisk = deps.load();
        if (onDisk.ok && onDisk.configHash !== runtime.current().snapshot.configHash) {
          inBackground('a configuration reload', () => serially(() => reloadNow({ trigger: RELOAD_TRIGGER.file })));
        }
      }
      // Without the channel (a Redis ACL that does not grant it) this process still reloads from its own triggers.
      await fanout
        .start()
        .catch((error: unknown) =>
          logger.error(
            { err: error },
            'cannot subscribe to the configuration channel: reloads reach only this process',
          ),
        );
      checkTimer = setInterval(() => {
        const trip = guard.check();
        if (trip) inBackground('an automatic rollback', () => onTrip(trip));
      }, timing.rollbackCheckIntervalMs ?? ROLLBACK_BUCKET_MS);
      checkTimer.unref();
    },
    async stop() {
      // Triggers first, so no reload is queued behind the one running, which finishes before the fleet entry goes.
      watch?.close();
      clearInterval(checkTimer);
      await fanout.close().catch(() => undefined);
      await queue;
      await fleet.stop().catch(() => undefined);
    },
  };
}
