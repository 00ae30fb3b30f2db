import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../stack/free-port.js';
import { repoRoot } from '../test-data.js';
import { sampleRemediationRequest } from './sample-remediation-request.js';
import { type KubeSandbox, startKubeSandbox } from './server.js';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
const hasKubectl = existsSync(KUBECTL);
const namespace = 'kubernaut-system';

interface OutputCollector {
  text(): string;
  /** Resolves once stdout so far satisfies `done`; rejects at the deadline or when the child exits first. */
  until(done: (output: string) => boolean, timeoutMs?: number): Promise<void>;
}

function collectOutput(child: ChildProcess): OutputCollector {
  let output = '';
  let exited = false;
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    for (const wake of [...waiters]) wake();
  });
  child.once('exit', () => {
    exited = true;
    for (const wake of [...waiters]) wake();
  });
  return {
    text: () => output,
    until: (done, timeoutMs = 10_000) =>
      new Promise((resolvePromise, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`no expected output within ${timeoutMs} ms; got: ${output}`)),
          timeoutMs,
        );
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolvePromise();
        };
        const check = (): void => {
          if (done(output)) finish();
          else if (exited) finish(new Error(`exited before the expected output; got: ${output}`));
        };
        waiters.add(check);
        check();
      }),
  };
}

describe('kube-sandbox with kubectl', () => {
  let sandbox: KubeSandbox;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    sandbox = await startKubeSandbox();
    dir = mkdtempSync(join(tmpdir(), 'kube-sandbox-kubectl-'));
    kubeconfig = sandbox.writeKubeconfig(join(dir, 'kubeconfig'), namespace);
    const response = await fetch(
      `${sandbox.url}/apis/kubernaut.ai/v1alpha1/namespaces/${namespace}/remediationrequests`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(sampleRemediationRequest({ name: 'rr-kubectl' })),
      },
    );
    expect(response.status).toBe(201);
    await fetch(
      `${sandbox.url}/apis/kubernaut.ai/v1alpha1/namespaces/${namespace}/remediationrequests/rr-kubectl/status`,
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ status: { overallPhase: 'Processing', deduplication: { occurrenceCount: 4 } } }),
      },
    );
  });
  afterAll(async () => {
    await sandbox.close();
  });

  // A private discovery cache keeps kubectl from reading or polluting ~/.kube/cache.
  const kubectl = (...args: string[]) =>
    run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 15_000 });

  it.skipIf(!hasKubectl)('lists RRs by short name as a Table with the printer columns', async () => {
    const { stdout } = await kubectl('get', 'rr');
    expect(stdout).toMatch(/^NAME\s+PHASE\s+ALERT/);
    expect(stdout).toMatch(/rr-kubectl\s+Processing\s+KubePodCrashLooping/);
  });

  it.skipIf(!hasKubectl)('prints the object as YAML', async () => {
    const { stdout } = await kubectl('get', 'rr', 'rr-kubectl', '-o', 'yaml');
    expect(stdout).toContain('name: rr-kubectl');
    expect(stdout).toContain('occurrenceCount: 4');
  });

  it.skipIf(!hasKubectl)('describes an RR', async () => {
    const { stdout } = await kubectl('describe', 'rr', 'rr-kubectl');
    expect(stdout).toMatch(/Name:\s+rr-kubectl/);
    expect(stdout).toContain('Overall Phase:');
  });

  it.skipIf(!hasKubectl)('reports a missing RR with a non-zero exit and the API message', async () => {
    const error = (await kubectl('get', 'rr', 'rr-absent').catch((e: unknown) => e)) as {
      code?: number;
      stderr?: string;
    };
    expect(error.code).toBe(1);
    expect(error.stderr).toContain('remediationrequests.kubernaut.ai "rr-absent" not found');
  });

  it.skipIf(!hasKubectl)('applies, patches status, labels and deletes an RR like on a cluster', async () => {
    const file = join(dir, 'rr-applied.json');
    writeFileSync(file, JSON.stringify(sampleRemediationRequest({ name: 'rr-applied' })));
    expect((await kubectl('apply', '-f', file)).stdout).toContain('rr-applied created');
    expect((await kubectl('apply', '-f', file)).stdout).toContain('rr-applied unchanged');
    await kubectl(
      'patch',
      'rr',
      'rr-applied',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"overallPhase":"Completed"}}',
    );
    expect(sandbox.object(namespace, 'rr-applied')?.status).toEqual({ overallPhase: 'Completed' });
    await kubectl('label', 'rr', 'rr-applied', 'reviewed=yes');
    expect(sandbox.object(namespace, 'rr-applied')?.metadata.labels?.reviewed).toBe('yes');
    await kubectl('delete', 'rr', 'rr-applied');
    expect(sandbox.object(namespace, 'rr-applied')).toBeUndefined();
  });

  it.skipIf(!hasKubectl)('streams new RRs as table rows to kubectl get -w', async () => {
    const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'rr', '-w'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collectOutput(child);
    try {
      await output.until((text) => text.includes('rr-kubectl'));
      await fetch(`${sandbox.url}/apis/kubernaut.ai/v1alpha1/namespaces/${namespace}/remediationrequests`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(sampleRemediationRequest({ name: 'rr-watched' })),
      });
      await output.until((text) => text.includes('rr-watched'));
      expect(output.text()).toMatch(/^NAME\s+PHASE/);
      expect(output.text().match(/^NAME/gm)).toHaveLength(1);
      expect(output.text()).toMatch(/rr-watched\s+KubePodCrashLooping/);
    } finally {
      child.kill('SIGTERM');
    }
  });

  if (!hasKubectl) it.skip(`kubectl checks skipped: ${KUBECTL} not found`, () => {});

  const cli = resolve(repoRoot, 'packages/testkit/dist/kube-sandbox/cli.js');
  it.skipIf(!existsSync(cli))('runs from the CLI, writes a kubeconfig and stops on SIGTERM', async () => {
    const kubeconfigPath = join(dir, 'cli', 'kubeconfig');
    const child = spawn(process.execPath, [cli, '--port', '0', '--kubeconfig', kubeconfigPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collectOutput(child);
    const exited = once(child, 'exit');
    await output.until((text) => text.includes('kubeconfig:'));
    const url = /listening on (http:\/\/\S+)/.exec(output.text())?.[1];
    expect(url).toBeDefined();
    expect(readFileSync(kubeconfigPath, 'utf8')).toContain(String(url));
    expect((await fetch(`${url}/version`)).status).toBe(200);
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  });

  it.skipIf(!existsSync(cli))(
    'writes --server-url into the kubeconfig when it listens where clients cannot dial',
    async () => {
      // As in compose.yaml: listening on every interface, reached by clients under another name.
      const port = await freePort('0.0.0.0');
      const serverUrl = `http://localhost:${port}`;
      const kubeconfigPath = join(dir, 'cli-server-url', 'kubeconfig');
      const child = spawn(
        process.execPath,
        [cli, '--host', '0.0.0.0', '--port', String(port), '--kubeconfig', kubeconfigPath, '--server-url', serverUrl],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const output = collectOutput(child);
      const exited = once(child, 'exit');
      try {
        await output.until((text) => text.includes('kubeconfig:'));
        const kubeconfig = readFileSync(kubeconfigPath, 'utf8');
        expect(kubeconfig).toContain(`server: ${serverUrl}\n`);
        expect(kubeconfig).not.toContain('0.0.0.0');
        expect((await fetch(`${serverUrl}/version`)).status).toBe(200);
      } finally {
        child.kill('SIGTERM');
      }
      const [code] = await exited;
      expect(code).toBe(0);
    },
  );
  if (!existsSync(cli))
    it.skip(`CLI check skipped: ${cli} not built (run pnpm exec tsc -b packages/testkit)`, () => {});
});
