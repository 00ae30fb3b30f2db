import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export const SANDBOX_TOKEN = 'kube-sandbox-token';

/**
 * A kubeconfig for the sandbox's plain-http server. @kubernetes/client-node 2 refuses an http cluster entry
 * without `insecure-skip-tls-verify: true`; the bearer token is a dummy the sandbox accepts unless told otherwise.
 */
export function kubeconfigYaml(serverUrl: string, namespace: string, token = SANDBOX_TOKEN): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kube-sandbox', cluster: { server: serverUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'kube-sandbox-user', user: { token } }],
    contexts: [{ name: 'kube-sandbox', context: { cluster: 'kube-sandbox', user: 'kube-sandbox-user', namespace } }],
    'current-context': 'kube-sandbox',
    preferences: {},
  });
}

export function writeKubeconfigFile(path: string, serverUrl: string, namespace: string, token?: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, kubeconfigYaml(serverUrl, namespace, token), { mode: 0o600 });
  return path;
}
