import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createOutputTail } from './output-tail.js';
import { waitFor } from './wait-for.js';

export interface ManagedProcessSpec {
  /** Used in errors and log dumps. */
  name: string;
  /** Executable; defaults to the running Node (`process.execPath`). */
  command?: string;
  args?: readonly string[];
  /** The child's whole environment: nothing is inherited, so a developer's shell cannot change a test. */
  env: Readonly<Record<string, string>>;
  cwd?: string;
  /** Polled with GET until it answers 200. */
  readyUrl?: string;
  /** Default 20 s. */
  readyTimeoutMs?: number;
  /** Lines of output kept in memory (default 200). */
  outputLines?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Undefined while the process runs. */
  exitInfo(): ExitInfo | undefined;
  /** The last captured lines; stderr lines start with `!`. */
  output(): string[];
  /** Resolves when `readyUrl` answers 200; rejects with the output tail when the deadline passes or the child exits. */
  waitReady(): Promise<void>;
  /** Sends a signal and waits for the exit; escalates to SIGKILL when it does not come within `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo>;
  /** Sends a signal without waiting (for chaos tests that observe what happens next). */
  signal(signal: NodeJS.Signals): void;
  exited(): Promise<ExitInfo>;
}

/** Environment variables every child needs to behave like a normal process, and nothing else. */
export function baseChildEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

export function formatOutput(name: string, lines: readonly string[]): string {
  return `--- ${name}: last ${lines.length} lines ---\n${lines.join('\n')}`;
}

export function startManagedProcess(spec: ManagedProcessSpec): ManagedProcess {
  const tail = createOutputTail(spec.outputLines ?? 200);
  const child: ChildProcess = spawn(spec.command ?? process.execPath, [...(spec.args ?? [])], {
    env: { ...spec.env },
    cwd: spec.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exit: ExitInfo | undefined;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.once('error', (err) => {
      // spawn failures (missing binary) emit 'error' and never 'exit'.
      spawnError = err;
      exit ??= { code: null, signal: null };
      resolve(exit);
    });
  });
  child.stdout?.on('data', (chunk: Buffer) => tail.push('stdout', chunk));
  child.stderr?.on('data', (chunk: Buffer) => tail.push('stderr', chunk));
  child.stdout?.once('end', () => tail.end('stdout'));
  child.stderr?.once('end', () => tail.end('stderr'));

  const describeExit = (): string => {
    if (spawnError) return `could not start ${spec.command ?? process.execPath}: ${spawnError.message}`;
    if (!exit) return 'still running';
    return exit.signal ? `exited on ${exit.signal}` : `exited with code ${exit.code}`;
  };

  const handle: ManagedProcess = {
    name: spec.name,
    pid: child.pid,
    exitInfo: () => exit,
    output: () => tail.lines(),
    async waitReady() {
      const url = spec.readyUrl;
      if (!url) return;
      const timeoutMs = spec.readyTimeoutMs ?? 20_000;
      let lastAnswer = 'no answer yet';
      let outcome: 'ready' | 'exited';
      try {
        outcome = await waitFor(
          async () => {
            // An exited child will never become ready: stop polling at once.
            if (exit) return 'exited' as const;
            try {
              const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
              lastAnswer = `HTTP ${res.status} ${(await res.text()).slice(0, 300)}`;
              return res.status === 200 ? ('ready' as const) : false;
            } catch (err) {
              lastAnswer =
                err instanceof Error
                  ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`
                  : String(err);
              return false;
            }
          },
          { timeoutMs, intervalMs: 100, description: `${spec.name} readiness` },
        );
      } catch {
        throw new Error(
          `${spec.name} not ready: ${url} did not answer 200 within ${timeoutMs} ms (last: ${lastAnswer}; ${describeExit()})\n${formatOutput(spec.name, tail.lines())}`,
        );
      }
      if (outcome === 'exited') {
        // Let the pipes deliver the child's last words before quoting them.
        await waitForStreams(child, 500);
        throw new Error(
          `${spec.name} ${describeExit()} before ${url} answered 200\n${formatOutput(spec.name, tail.lines())}`,
        );
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (exit) return exit;
      child.kill(signal);
      const timer = setTimeout(() => {
        if (!exit) child.kill('SIGKILL');
      }, timeoutMs);
      try {
        return await exitPromise;
      } finally {
        clearTimeout(timer);
      }
    },
    signal(signal) {
      if (!exit) child.kill(signal);
    },
    exited: () => exitPromise,
  };
  return handle;
}

/** Resolves when both output pipes have closed, or after `timeoutMs`. */
function waitForStreams(child: ChildProcess, timeoutMs: number): Promise<void> {
  const closed = (stream: NodeJS.ReadableStream | null): Promise<unknown> =>
    stream && !(stream as { readableEnded?: boolean }).readableEnded
      ? once(stream, 'end').catch(() => undefined)
      : Promise.resolve();
  return Promise.race([
    Promise.all([closed(child.stdout), closed(child.stderr)]).then(() => undefined),
    new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
  ]);
}
