import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestRedis,
  deleteKeysWithPrefix,
  type GatewayStack,
  type GatewayStackOptions,
  scrapeMetrics,
  startGatewayStack,
  sumMetric,
  uniquePrefix,
} from '../../../packages/testkit/src/index.js';
import {
  type KubeObject,
  type KubeSandbox,
  startKubeSandbox,
} from '../../../packages/testkit/src/kube-sandbox/index.js';
import { type Alertmanager, type AlertmanagerOptions, startAlertmanager } from './alertmanager.js';

export const REMEDIATION_NAMESPACE = 'kubernaut-system';

/** A whole gateway for one test: its own kube sandbox, Redis prefix, ingress, worker and Alertmanager. */
export interface E2eEnvironment {
  readonly sandbox: KubeSandbox;
  readonly stack: GatewayStack;
  readonly alertmanager: Alertmanager;
  remediationRequests(): KubeObject[];
  /** Signals the ingress enqueued and decisions the worker made, read from their /metrics. */
  progress(): Promise<{ enqueued: number; decided: number; byOutcome: Record<string, number> }>;
  /** Every child's captured output, for the failure report. */
  logs(): string;
  close(): Promise<void>;
}

export interface E2eOptions {
  alertmanager?: Omit<AlertmanagerOptions, 'webhookUrl' | 'bearerToken'>;
  stack?: Pick<GatewayStackOptions, 'env' | 'logLevel'>;
}

const OUTCOMES = ['created', 'deduplicated', 'resolved', 'redelivered', 'failed'] as const;

export async function startE2eEnvironment(label: string, options: E2eOptions = {}): Promise<E2eEnvironment> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    // Reverse start order: the sender first, then the gateway, then what it depends on.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const dir = await mkdtemp(join(tmpdir(), `e2e-${label}-`));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const queuePrefix = uniquePrefix(label);
    cleanups.push(async () => {
      const redis = createTestRedis();
      try {
        await deleteKeysWithPrefix(redis, queuePrefix);
      } finally {
        redis.disconnect();
      }
    });
    const sandbox = await startKubeSandbox();
    cleanups.push(() => sandbox.close());
    const kubeconfig = sandbox.writeKubeconfig(join(dir, 'kubeconfig'), REMEDIATION_NAMESPACE);
    const stack = await startGatewayStack({
      queuePrefix,
      kubeconfig,
      remediationNamespace: REMEDIATION_NAMESPACE,
      auditFilePath: join(dir, 'audit.jsonl'),
      ...options.stack,
    });
    cleanups.push(() => stack.stop());
    const alertmanager = await startAlertmanager({
      webhookUrl: `${stack.ingressUrl}/api/v1/signals/prometheus`,
      bearerToken: stack.token,
      ...options.alertmanager,
    });
    cleanups.push(() => alertmanager.stop());

    return {
      sandbox,
      stack,
      alertmanager,
      remediationRequests: () => sandbox.objects(REMEDIATION_NAMESPACE).filter((o) => o.kind === 'RemediationRequest'),
      async progress() {
        const [ingress, worker] = await Promise.all([
          scrapeMetrics(`${stack.ingressUrl}/metrics`),
          scrapeMetrics(`${stack.workerUrl}/metrics`),
        ]);
        const byOutcome: Record<string, number> = {};
        for (const outcome of OUTCOMES) {
          byOutcome[outcome] = sumMetric(worker, 'gateway_signal_latency_seconds_count', { outcome });
        }
        return {
          enqueued: sumMetric(ingress, 'gateway_signals_received_total', { source_type: 'prometheus' }),
          decided: Object.values(byOutcome).reduce((a, b) => a + b, 0),
          byOutcome,
        };
      },
      logs: () => `${stack.logs()}\n--- alertmanager ---\n${alertmanager.process.output().join('\n')}`,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
