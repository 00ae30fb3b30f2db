import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reuseKubeDispatchers } from './reuse-dispatchers.js';

describe('reuse-dispatchers', () => {
  let server: Server;
  let connections = 0;
  let kubeconfigPath: string;
  let dir: string;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ apiVersion: 'kubernaut.ai/v1alpha1', kind: 'RemediationRequest', metadata: { name: 'x' } }),
      );
    });
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    dir = await mkdtemp(join(tmpdir(), 'dispatchers-'));
    kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfigPath,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 'test' } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'ns' } }],
        'current-context': 'ctx',
      }),
    );
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  async function connectionsFor20Gets(patch: boolean): Promise<number> {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    if (patch) reuseKubeDispatchers(kubeConfig);
    const api = kubeConfig.makeApiClient(CustomObjectsApi);
    const before = connections;
    for (let i = 0; i < 20; i += 1) {
      await api.getNamespacedCustomObject({
        group: 'kubernaut.ai',
        version: 'v1alpha1',
        namespace: 'ns',
        plural: 'remediationrequests',
        name: 'x',
      });
    }
    return connections - before;
  }

  it('keeps connections alive across sequential API calls instead of one per call', async () => {
    expect(await connectionsFor20Gets(true)).toBeLessThanOrEqual(2);
  });

  it('shows the client library opening a connection per call without it', async () => {
    // Documents why the patch exists; when the library caches dispatchers itself this fails and the patch can go.
    expect(await connectionsFor20Gets(false)).toBeGreaterThan(10);
  });
});
