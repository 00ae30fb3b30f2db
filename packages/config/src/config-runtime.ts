import { changedSections } from './changed-sections.js';
import type { ConfigWarning, LoadConfigResult } from './load-config.js';
import { type ConfigProblem, configProblem } from './problems.js';
import { holdRestartOnlyKeys } from './reload-classes.js';
import type { AuthToken } from './schema/auth.js';
import type { GatewayConfig } from './schema/gateway-config.js';

/** A successful `loadConfig` result: what a process starts from and what a reload proposes. */
export type LoadedConfig = Extract<LoadConfigResult, { ok: true }>;

/** One immutable configuration a process runs; requests and jobs keep the one they started with. */
export interface ConfigSnapshot {
  /** Hot keys from the file, restart-only keys as the process started with them. */
  readonly config: GatewayConfig;
  /** Hash of the file and `GATEWAY_CFG__` document this snapshot came from; equal across replicas of one release. */
  readonly configHash: string;
  readonly envTokens: readonly AuthToken[];
  readonly warnings: readonly ConfigWarning[];
  /** 0 at startup, one more per swap (reloads and rollbacks). */
  readonly sequence: number;
  /** Restart-only keys the file changed since startup; they apply at the next restart. */
  readonly restartRequired: readonly string[];
}

/** A snapshot and what the process built from it (compiled sources, token digests, worker settings). */
export interface ActiveConfig<T> {
  readonly snapshot: ConfigSnapshot;
  readonly built: T;
}

export interface ConfigChange<T> {
  readonly previous: ActiveConfig<T>;
  readonly current: ActiveConfig<T>;
  /** Top-level sections whose running values changed. */
  readonly changed: readonly (keyof GatewayConfig)[];
  readonly cause: 'reload' | 'rollback';
}

export type ProposeOutcome =
  | {
      result: 'reloaded';
      configHash: string;
      previousHash: string;
      changed: (keyof GatewayConfig)[];
      restartRequired: string[];
      sequence: number;
    }
  | { result: 'unchanged'; configHash: string }
  | {
      result: 'rejected';
      problems: ConfigProblem[];
      /** The first failing top-level section, or `config` when the file as a whole is unusable. */
      component: string;
      /** Present when the candidate validated but could not be built. */
      candidateHash?: string;
    };

export type RollbackOutcome =
  | { result: 'rolled_back'; configHash: string; fromHash: string; changed: (keyof GatewayConfig)[]; sequence: number }
  | { result: 'nothing-to-roll-back' };

export interface ConfigRuntime<T> {
  current(): ActiveConfig<T>;
  /** Validates and builds off to the side, then swaps one reference; a rejected candidate changes nothing. */
  propose(candidate: LoadConfigResult): ProposeOutcome;
  /** Swaps back to the snapshot the last reload replaced; one step only. */
  rollback(): RollbackOutcome;
  /** Called after every swap, in subscription order; returns the unsubscribe function. */
  subscribe(listener: (change: ConfigChange<T>) => void): () => void;
}

export interface ConfigRuntimeOptions<T> {
  initial: LoadedConfig;
  /**
   * Turns a snapshot into what the process runs on. It may throw: at startup the error propagates, at reload the
   * candidate is rejected. An error with `problems` (each a `ConfigProblem`) reports them, any other its message.
   */
  build(snapshot: ConfigSnapshot): T;
  /** A subscriber threw while applying a swap (the swap stands; the error is reported, not rethrown). */
  onListenerError?(error: unknown): void;
}

function buildProblems(error: unknown): ConfigProblem[] {
  const problems = (error as { problems?: unknown }).problems;
  if (Array.isArray(problems) && problems.every((problem) => typeof problem?.message === 'string'))
    return problems as ConfigProblem[];
  const message = error instanceof Error ? error.message : String(error);
  return [configProblem([], undefined, message, 'fix the value it names')];
}

/** `auth.tokens[0].token` → `auth`; a problem with no path (YAML syntax, unreadable file) → `config`. */
export function failingComponent(problems: readonly ConfigProblem[]): string {
  const path = problems[0]?.path ?? '';
  const section = /^[A-Za-z]+/.exec(path)?.[0];
  return section === undefined || path.startsWith('GATEWAY_') ? 'config' : section;
}

/** The configuration of one process: load → validate → immutable snapshot → atomic swap (docs/configuration.md). */
export function createConfigRuntime<T>(options: ConfigRuntimeOptions<T>): ConfigRuntime<T> {
  const firstSnapshot: ConfigSnapshot = {
    config: options.initial.config,
    configHash: options.initial.configHash,
    envTokens: options.initial.envTokens,
    warnings: options.initial.warnings,
    sequence: 0,
    restartRequired: [],
  };
  // Restart-only keys are always compared with the values the process started with, not the last reload's.
  const started = options.initial.config;
  let active: ActiveConfig<T> = { snapshot: firstSnapshot, built: options.build(firstSnapshot) };
  let replaced: ActiveConfig<T> | undefined;
  const listeners = new Set<(change: ConfigChange<T>) => void>();

  const swap = (next: ActiveConfig<T>, cause: ConfigChange<T>['cause']): ConfigChange<T> => {
    const change: ConfigChange<T> = {
      previous: active,
      current: next,
      changed: changedSections(active.snapshot.config, next.snapshot.config),
      cause,
    };
    active = next;
    // The swap has happened; one listener's fault must neither hide it from the others nor undo it.
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (error) {
        options.onListenerError?.(error);
      }
    }
    return change;
  };

  return {
    current: () => active,
    propose(candidate) {
      if (!candidate.ok)
        return { result: 'rejected', problems: candidate.problems, component: failingComponent(candidate.problems) };
      if (candidate.configHash === active.snapshot.configHash)
        return { result: 'unchanged', configHash: candidate.configHash };
      const held = holdRestartOnlyKeys(started, candidate.config);
      const snapshot: ConfigSnapshot = {
        config: held.config,
        configHash: candidate.configHash,
        envTokens: candidate.envTokens,
        warnings: candidate.warnings,
        sequence: active.snapshot.sequence + 1,
        restartRequired: held.restartRequired,
      };
      let built: T;
      try {
        built = options.build(snapshot);
      } catch (error) {
        const problems = buildProblems(error);
        return {
          result: 'rejected',
          problems,
          component: failingComponent(problems),
          candidateHash: snapshot.configHash,
        };
      }
      const previousHash = active.snapshot.configHash;
      replaced = active;
      const change = swap({ snapshot, built }, 'reload');
      return {
        result: 'reloaded',
        configHash: snapshot.configHash,
        previousHash,
        changed: [...change.changed],
        restartRequired: [...held.restartRequired],
        sequence: snapshot.sequence,
      };
    },
    rollback() {
      if (replaced === undefined) return { result: 'nothing-to-roll-back' };
      const fromHash = active.snapshot.configHash;
      const restored: ActiveConfig<T> = {
        snapshot: { ...replaced.snapshot, sequence: active.snapshot.sequence + 1 },
        built: replaced.built,
      };
      replaced = undefined;
      const change = swap(restored, 'rollback');
      return {
        result: 'rolled_back',
        configHash: restored.snapshot.configHash,
        fromHash,
        changed: [...change.changed],
        sequence: restored.snapshot.sequence,
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
