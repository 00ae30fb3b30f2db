import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestRedis,
  deleteKeysWithPrefix,
  type GatewayStack,
  type KubeSandbox,
  startGatewayStack,
  startKubeSandbox,
  uniquePrefix,
} from '@gateway/testkit';
import { RR_NAMESPACE } from '../support/gateway-fixture.js';

/** A configuration file the test rewrites the way a careful operator does: beside it, then renamed into place. */
export interface ConfigFile {
  path: string;
  write(yaml: string): Promise<void>;
}

export interface FleetTokens {
  admin: string;
  signal: string;
}

export interface ReloadFleet {
  sandbox: KubeSandbox;
  /** The environment every process got besides its own ports: what its configuration hash is computed from. */
  env: Readonly<Record<string, string>>;
  file: ConfigFile;
  /** `ingress` and `worker` processes of `stacks` each. */
  stacks: GatewayStack[];
  adminToken: string;
  signalToken: string;
  ingressUrls(): string[];
  /** Every process's `/readyz` URL. */
  readyUrls(): string[];
  logs(): string;
  close(): Promise<void>;
}

export const randomToken = (): string => randomBytes(24).toString('hex');

/** The `auth` section every configuration of these tests starts from: an admin token and a signal token. */
export function tokensYaml(adminToken: string, signalTokens: Record<string, string>): string {
  const signals = Object.entries(signalTokens)
    .map(([id, token]) => `    - {id: ${id}, token: ${token}, scopes: [signals]}`)
    .join('\n');
  return `auth:\n  tokens:\n    - {id: ops, token: ${adminToken}, scopes: [admin]}\n${signals}\n`;
}

/**
 * `count` stacks (ingress + worker each) on one queue prefix, one kube sandbox and one configuration file. Every
 * process gets the same `GATEWAY_CFG__` variables, so all of them compute the same configuration hash.
 */
export async function startReloadFleet(
  count: number,
  configYaml: (tokens: FleetTokens) => string,
): Promise<ReloadFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'reload-fleet-'));
  const path = join(dir, 'gateway.yaml');
  const file: ConfigFile = {
    path,
    async write(yaml) {
      await writeFile(`${path}.next`, yaml);
      await rename(`${path}.next`, path);
    },
  };
  // Both live in the file only (the stack's own GATEWAY_AUTH_TOKENS token is another), so a reload can revoke them.
  const adminToken = randomToken();
  const signalToken = randomToken();
  await file.write(configYaml({ admin: adminToken, signal: signalToken }));
  const sandbox = await startKubeSandbox();
  const kubeconfig = sandbox.writeKubeconfig(join(dir, 'kubeconfig'), RR_NAMESPACE);
  const queuePrefix = uniquePrefix('reload');
  const shared = {
    GATEWAY_CONFIG: path,
    GATEWAY_CFG__SHUTDOWN__DRAIN_DELAY: '0s',
    GATEWAY_CFG__AUDIT__FILE__PATH: join(dir, 'audit.jsonl'),
  };
  const stacks: GatewayStack[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      stacks.push(
        await startGatewayStack({
          kubeconfig,
          queuePrefix,
          auditFilePath: join(dir, 'audit.jsonl'),
          env: { ingress: shared, worker: shared },
        }),
      );
    }
  } catch (error) {
    await Promise.allSettled(stacks.map((stack) => stack.stop()));
    await sandbox.close();
    throw error;
  }
  return {
    sandbox,
    env: shared,
    file,
    stacks,
    adminToken,
    signalToken,
    ingressUrls: () => stacks.map((stack) => stack.ingressUrl),
    readyUrls: () => stacks.flatMap((stack) => [`${stack.ingressUrl}/readyz`, `${stack.workerUrl}/readyz`]),
    logs: () => stacks.map((stack) => stack.logs()).join('\n'),
    async close() {
      await Promise.allSettled(stacks.map((stack) => stack.stop()));
      await sandbox.close();
      const redis = createTestRedis();
      await deleteKeysWithPrefix(redis, queuePrefix);
      await redis.quit();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Readiness {
  configHash: string;
  restartRequired: string[];
  configProblems?: string[];
}

export async function readiness(url: string): Promise<Readiness> {
  const response = await fetch(url);
  return (await response.json()) as Readiness;
}

export async function fleetHashes(fleet: ReloadFleet): Promise<string[]> {
  return Promise.all(fleet.readyUrls().map(async (url) => (await readiness(url)).configHash));
}

export async function adminReload(ingressUrl: string, adminToken: string, query = ''): Promise<Response> {
  return fetch(`${ingressUrl}/admin/config/reload${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  });
}
