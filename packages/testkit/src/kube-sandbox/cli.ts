#!/usr/bin/env node
/**
 * Starts the kube sandbox for local runs (test/dev tooling, NOT product code):
 *   node packages/testkit/dist/kube-sandbox/cli.js --port 6443 --kubeconfig .dev/kubeconfig [--namespace kubernaut-system] [--crd file]
 *     [--host 127.0.0.1] [--server-url http://kube-sandbox:6443]
 * Prints the URL and kubeconfig path, then serves until SIGTERM or SIGINT.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeKubeconfigFile } from './kubeconfig.js';
import { startKubeSandbox } from './server.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '6443' },
      host: { type: 'string', default: '127.0.0.1' },
      kubeconfig: { type: 'string', default: '.dev/kubeconfig' },
      namespace: { type: 'string', default: 'kubernaut-system' },
      crd: { type: 'string' },
      // A sandbox in a container listens on 0.0.0.0, which its clients cannot dial: they need the address they
      // reach it at (compose.yaml's service name) in the kubeconfig instead.
      'server-url': { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  const sandbox = await startKubeSandbox({
    port,
    host: values.host,
    ...(values.crd ? { crdYaml: readFileSync(values.crd, 'utf8') } : {}),
  });
  const serverUrl = values['server-url'];
  const kubeconfigPath = serverUrl
    ? writeKubeconfigFile(resolve(values.kubeconfig), new URL(serverUrl).href.replace(/\/$/, ''), values.namespace)
    : sandbox.writeKubeconfig(resolve(values.kubeconfig), values.namespace);
  process.stdout.write(`kube sandbox listening on ${sandbox.url}\nkubeconfig: ${kubeconfigPath}\n`);
  const shutdown = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`kube sandbox failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
