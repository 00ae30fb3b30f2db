import { changedSections } from './changed-sections.js';
import { type ConfigWarning, type LoadConfigResult, loadConfig } from './load-config.js';
import type { ConfigProblem } from './problems.js';
import type { GatewayConfig } from './schema/gateway-config.js';

/** What `/readyz` reports about the configuration on disk compared with the one the process runs. */
export interface RestartRequiredReport {
  /** Top-level sections whose on-disk values differ from the running ones; applying them needs a restart. */
  restartRequired: (keyof GatewayConfig)[];
  /** Why the on-disk configuration would not load; a restart now would exit with these. */
  problems: ConfigProblem[];
}

export interface RestartRequiredProbeOptions {
  running: GatewayConfig;
  /** Loads the configuration again from the same environment (and so from the same `GATEWAY_CONFIG` file). */
  load(): LoadConfigResult;
  nowMs(): number;
  /** Readiness probes come every few seconds per kubelet; re-reading the file for each one would be wasted work. */
  minIntervalMs?: number;
}

export interface RestartRequiredProbe {
  report(): RestartRequiredReport;
}

export const RESTART_REQUIRED_MIN_INTERVAL_MS = 5_000;

/**
 * There is no configuration reload yet, so every change to the file needs a restart; the probe says which sections
 * changed, or what is wrong with the file, so an operator sees a pending change before a restart trips over it.
 */
export function createRestartRequiredProbe(options: RestartRequiredProbeOptions): RestartRequiredProbe {
  const minIntervalMs = options.minIntervalMs ?? RESTART_REQUIRED_MIN_INTERVAL_MS;
  let last: { atMs: number; report: RestartRequiredReport } | undefined;
  const read = (): RestartRequiredReport => {
    const loaded = options.load();
    return loaded.ok
      ? { restartRequired: changedSections(options.running, loaded.config), problems: [] }
      : { restartRequired: [], problems: loaded.problems };
  };
  return {
    report() {
      const now = options.nowMs();
      if (last === undefined || now - last.atMs >= minIntervalMs) last = { atMs: now, report: read() };
      return last.report;
    },
  };
}

/** The configuration part of a `/readyz` body, shared by ingress and worker. */
export interface ReadinessConfigDetail {
  restartRequired: string[];
  /** Present when the configuration on disk would not load: one `path: rule` line per problem. */
  configProblems?: string[];
}

function readinessConfigDetail(report: RestartRequiredReport): ReadinessConfigDetail {
  return {
    restartRequired: [...report.restartRequired],
    ...(report.problems.length > 0 ? { configProblems: report.problems.map((problem) => problem.message) } : {}),
  };
}

/**
 * The `/readyz` configuration detail of a running process: the file is re-read from the same environment at most
 * every 5 s. Configuration warnings stay out, since `/readyz` is unauthenticated and they describe credentials.
 */
export function readinessConfigReporter(
  running: GatewayConfig,
  env: Readonly<Record<string, string | undefined>>,
  nowMs: () => number,
): () => ReadinessConfigDetail {
  const probe = createRestartRequiredProbe({ running, load: () => loadConfig({ env }), nowMs });
  return () => readinessConfigDetail(probe.report());
}
