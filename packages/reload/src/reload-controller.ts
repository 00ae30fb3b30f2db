import type { ConfigProblem, ConfigRuntime, LoadConfigResult, ReadinessConfigDetail } from '@gateway/config';
import type { Redis } from 'ioredis';
import type { FleetRole } from './fleet-registry.js';
import type { ReloadMetrics } from './reload-metrics.js';

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
