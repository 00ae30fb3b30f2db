import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestRedis,
  deleteKeysWithPrefix,
  type GatewayStack,
  type GatewayStackOptions,
  type KubeObject,
  type KubeSandbox,
  startGatewayStack,
  startKubeSandbox,
  waitFor,
} from '@gateway/testkit';

export const RR_NAMESPACE = 'kubernaut-system';

export interface GatewayFixture {
  sandbox: KubeSandbox;
  kubeconfig: string;
  stack: GatewayStack;
  /** Extra worker processes sharing the stack's queue prefix. */
  extraWorkers: GatewayStack[];
  rrs(): KubeObject[];
  occurrenceCount(name: string): number | undefined;
  waitForCount(name: string, count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Kube sandbox + ingress + N workers as real processes, all sharing one unique queue prefix. */
export async function startGatewayFixture(
  options: { workers?: number; sandboxLatencyMs?: number; stack?: GatewayStackOptions } = {},
): Promise<GatewayFixture> {
  const sandbox = await startKubeSandbox({ latencyMs: options.sandboxLatencyMs ?? 0 });
  const dir = await mkdtemp(join(tmpdir(), 'gateway-fixture-'));
  const kubeconfig = sandbox.writeKubeconfig(join(dir, 'kubeconfig'), RR_NAMESPACE);
  const stack = await startGatewayStack({ kubeconfig, ...options.stack });
  const extraWorkers = await Promise.all(
    Array.from({ length: Math.max(0, (options.workers ?? 1) - 1) }, () =>
      startGatewayStack({ kubeconfig, apps: ['worker'], queuePrefix: stack.queuePrefix, ...options.stack }),
    ),
  );
  const occurrenceCount = (name: string): number | undefined => {
    const status = sandbox.object(RR_NAMESPACE, name)?.status as
      | { deduplication?: { occurrenceCount?: number } }
      | undefined;
    return status?.deduplication?.occurrenceCount;
  };
  return {
    sandbox,
    kubeconfig,
    stack,
    extraWorkers,
    rrs: () => sandbox.objects(RR_NAMESPACE),
    occurrenceCount,
    async waitForCount(name, count, timeoutMs = 20_000) {
      await waitFor(() => occurrenceCount(name) === count, {
        timeoutMs,
        description: `${name} to reach occurrenceCount ${count}`,
      }).catch((err: Error) => {
        throw new Error(`${err.message} (it is ${occurrenceCount(name)})\n${stack.logs()}`);
      });
    },
    async close() {
      await Promise.allSettled([stack.stop(), ...extraWorkers.map((w) => w.stop())]);
      await sandbox.close();
      const redis = createTestRedis();
      await deleteKeysWithPrefix(redis, stack.queuePrefix);
      await redis.quit();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
