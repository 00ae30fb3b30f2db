import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testRedisUrl, uniquePrefix } from '../redis-fixture.js';
import { repoRoot } from '../test-data.js';
import { restartablePort } from './free-port.js';
import {
  baseChildEnv,
  type ExitInfo,
  formatOutput,
  type ManagedProcess,
  startManagedProcess,
} from './managed-process.js';

export type GatewayAppName = 'ingress' | 'worker';

/**
 * The documented environment variables of each app (docs/configuration.md#where-values-come-from); anything else must
 * be a `GATEWAY_CFG__` path. compose.yaml's app services are held to the same list (tests/deploy/compose.test.ts).
 */
export const GATEWAY_CONTRACT_ENV: ReadonlySet<string> = new Set([
  'REDIS_URL',
  'QUEUE_PREFIX',
  'GATEWAY_CONFIG',
  'LOG_LEVEL',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'PORT',
  'GATEWAY_AUTH_TOKENS',
  'GATEWAY_AUTH',
  'WORKER_PORT',
  'KUBECONFIG',
  'REMEDIATION_NAMESPACE',
  'DATA_STORAGE_URL',
]);

export interface GatewayStackOptions {
  /** Which apps to start now (default both). The other keeps its reserved port and can be started by `restart`. */
  apps?: readonly GatewayAppName[];
  redisUrl?: string;
  /** A PEM file both apps trust besides the system CAs (`NODE_EXTRA_CA_CERTS`), e.g. for a `rediss://` test Redis. */
  extraCaCertsFile?: string;
  /** Default: a fresh unique prefix, so stacks share one Redis without seeing each other's jobs. */
  queuePrefix?: string;
  /** Bearer token accepted by the ingress (default: random). */
  token?: string;
  /** `GATEWAY_AUTH`; left unset (the app's default, `token`) unless given. */
  authMode?: 'token' | 'none';
  /** Required for the worker: a kubeconfig, normally written by the kube sandbox. */
  kubeconfig?: string;
  remediationNamespace?: string;
  /** Audit to Data Storage; when unset the audit goes to `auditFilePath`. */
  dataStorageUrl?: string;
  /** JSON-lines audit file when `dataStorageUrl` is unset (default: in a temp folder removed by `stop`). */
  auditFilePath?: string;
  /** Default `info`: the output is only kept in memory and shown when something fails. */
  logLevel?: string;
  /**
   * Ingress `shutdown.drainDelay` (default `0s`): a test stack has no load balancer whose endpoints need time to
   * update, and 5 s per stop adds up. Pass `5s` (or anything) to test the drain itself.
   */
  shutdownDrainDelay?: string;
  /** Extra variables per app: contract names, `GATEWAY_CFG__…` paths and OpenTelemetry's `OTEL_…` only. */
  env?: Partial<Record<GatewayAppName, Readonly<Record<string, string>>>>;
  /** Per app start-up deadline (default 30 s). */
  readyTimeoutMs?: number;
  /** Lines of output kept per process (default 300). */
  outputLines?: number;
  /** Node.js flags per app, placed before the entry point (e.g. `--cpu-prof` for `pnpm bench:profile`). */
  nodeArgs?: Partial<Record<GatewayAppName, readonly string[]>>;
  /** Repository holding `apps/<name>/dist/main.js` (default: this checkout). */
  root?: string;
}

export interface GatewayStack {
  readonly ingressUrl: string;
  readonly workerUrl: string;
  readonly token: string;
  readonly queuePrefix: string;
  readonly redisUrl: string;
  /** Undefined when audit goes to Data Storage. */
  readonly auditFilePath: string | undefined;
  isRunning(name: GatewayAppName): boolean;
  /** Sends `signal` (default SIGTERM) and waits for the exit (SIGKILL after `timeoutMs`, default 30 s). */
  kill(name: GatewayAppName, signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo>;
  /** Sends a signal without waiting for anything (`SIGHUP` asks for a configuration reload). */
  signal(name: GatewayAppName, signal: NodeJS.Signals): void;
  /** Stops the app if it runs, then starts it again with the same port and environment and waits for readiness. */
  restart(name: GatewayAppName): Promise<void>;
  /** The captured output of one app (last lines, stderr marked `!`). */
  output(name: GatewayAppName): string[];
  /** Every app's captured output, for printing when a test fails. */
  logs(): string;
  /** Stops everything (SIGTERM, then SIGKILL) and removes the temp folder. Safe to call twice. */
  stop(): Promise<void>;
}

const entryPoint = (root: string, name: GatewayAppName): string => resolve(root, 'apps', name, 'dist', 'main.js');

/** Starts the gateway's apps from their build output as child processes, the way `pnpm start:*` does. */
export async function startGatewayStack(options: GatewayStackOptions = {}): Promise<GatewayStack> {
  const root = options.root ?? repoRoot;
  const apps = options.apps ?? (['ingress', 'worker'] as const);
  for (const name of apps) {
    if (!existsSync(entryPoint(root, name))) {
      throw new Error(`${entryPoint(root, name)} is missing: build first (pnpm exec tsc -b)`);
    }
  }
  if (apps.includes('worker') && !options.kubeconfig) {
    throw new Error(
      'startGatewayStack: the worker needs options.kubeconfig (e.g. from the kube sandbox writeKubeconfig)',
    );
  }
  for (const [app, vars] of Object.entries(options.env ?? {})) {
    for (const key of Object.keys(vars ?? {})) {
      // OTEL_* are OpenTelemetry's own standard variables, which the tracing SDK reads.
      if (!GATEWAY_CONTRACT_ENV.has(key) && !key.startsWith('GATEWAY_CFG__') && !key.startsWith('OTEL_')) {
        throw new Error(
          `startGatewayStack: env.${app}.${key} is neither a contract variable, a GATEWAY_CFG__ path nor an OTEL_ variable`,
        );
      }
    }
  }

  // Restarts reuse these ports, so they come from outside the OS's ephemeral range; two picks may not coincide.
  const ingressPort = await restartablePort();
  let workerPort = await restartablePort();
  while (workerPort === ingressPort) workerPort = await restartablePort();
  const token = options.token ?? randomBytes(24).toString('hex');
  const queuePrefix = options.queuePrefix ?? uniquePrefix('stack');
  const redisUrl = options.redisUrl ?? testRedisUrl();
  let tempDir: string | undefined;
  let auditFilePath: string | undefined;
  if (!options.dataStorageUrl) {
    if (options.auditFilePath) auditFilePath = options.auditFilePath;
    else {
      tempDir = await mkdtemp(join(tmpdir(), 'gateway-stack-'));
      auditFilePath = join(tempDir, 'audit.jsonl');
    }
  }

  const envFor = (name: GatewayAppName): Record<string, string> => {
    const env: Record<string, string> = {
      ...baseChildEnv(),
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      LOG_LEVEL: options.logLevel ?? 'info',
    };
    if (options.extraCaCertsFile) env.NODE_EXTRA_CA_CERTS = options.extraCaCertsFile;
    if (name === 'ingress') {
      env.PORT = String(ingressPort);
      env.GATEWAY_AUTH_TOKENS = token;
      if (options.authMode) env.GATEWAY_AUTH = options.authMode;
      env.GATEWAY_CFG__SHUTDOWN__DRAIN_DELAY = options.shutdownDrainDelay ?? '0s';
    } else {
      env.WORKER_PORT = String(workerPort);
      env.KUBECONFIG = options.kubeconfig ?? '';
      if (options.remediationNamespace) env.REMEDIATION_NAMESPACE = options.remediationNamespace;
      if (options.dataStorageUrl) env.DATA_STORAGE_URL = options.dataStorageUrl;
      else if (auditFilePath) env.GATEWAY_CFG__AUDIT__FILE__PATH = auditFilePath;
    }
    return { ...env, ...(options.env?.[name] ?? {}) };
  };
  const urls: Record<GatewayAppName, string> = {
    ingress: `http://127.0.0.1:${ingressPort}`,
    worker: `http://127.0.0.1:${workerPort}`,
  };

  const running = new Map<GatewayAppName, ManagedProcess>();
  // The last process of each app, kept after it exits so its output can still be shown.
  const last = new Map<GatewayAppName, ManagedProcess>();
  // If the test runner dies without calling stop(), do not leave servers holding ports and Redis connections.
  const killAllSync = (): void => {
    for (const proc of running.values()) proc.signal('SIGKILL');
  };
  process.once('exit', killAllSync);

  const start = async (name: GatewayAppName): Promise<void> => {
    const proc = startManagedProcess({
      name,
      args: [...(options.nodeArgs?.[name] ?? []), entryPoint(root, name)],
      env: envFor(name),
      cwd: root,
      readyUrl: `${urls[name]}/readyz`,
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      outputLines: options.outputLines ?? 300,
    });
    running.set(name, proc);
    last.set(name, proc);
    void proc.exited().then(() => {
      if (running.get(name) === proc) running.delete(name);
    });
    await proc.waitReady();
  };

  let stopped = false;
  const stack: GatewayStack = {
    ingressUrl: urls.ingress,
    workerUrl: urls.worker,
    token,
    queuePrefix,
    redisUrl,
    auditFilePath,
    isRunning: (name) => running.has(name),
    async kill(name, signal = 'SIGTERM', timeoutMs = 30_000) {
      const proc = running.get(name);
      if (!proc) throw new Error(`${name} is not running`);
      const info = await proc.stop(signal, timeoutMs);
      running.delete(name);
      return info;
    },
    signal(name, signal) {
      const proc = running.get(name);
      if (!proc) throw new Error(`${name} is not running`);
      proc.signal(signal);
    },
    async restart(name) {
      await running.get(name)?.stop('SIGTERM');
      running.delete(name);
      await start(name);
    },
    output: (name) => last.get(name)?.output() ?? [],
    logs: () => [...last.values()].map((proc) => formatOutput(proc.name, proc.output())).join('\n'),
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([...running.values()].map((proc) => proc.stop('SIGTERM', 30_000)));
      running.clear();
      process.removeListener('exit', killAllSync);
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };

  try {
    // The worker first: it owns the queue's consumers, and an ingress that is ready before it just queues.
    for (const name of ['worker', 'ingress'] as const) {
      if (apps.includes(name)) await start(name);
    }
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}
