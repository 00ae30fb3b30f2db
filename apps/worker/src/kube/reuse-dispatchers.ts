import type { KubeConfig } from '@kubernetes/client-node';

type DispatcherFactory = (cluster: unknown, agentOptions: unknown) => unknown;

/**
 * @kubernetes/client-node 2 builds a new undici Agent for every request whose cluster has TLS settings
 * (a CA, client certificates, or insecure-skip-tls-verify), so every API call opens a new connection and,
 * against a real API server, a new TLS handshake. Caching the dispatcher per distinct option set keeps
 * connections alive; a rotated certificate changes the options and so gets a fresh dispatcher.
 */
export function reuseKubeDispatchers(kubeConfig: KubeConfig): KubeConfig {
  const target = kubeConfig as unknown as { createDispatcher: DispatcherFactory };
  const create = target.createDispatcher.bind(kubeConfig);
  const cache = new Map<string, unknown>();
  target.createDispatcher = (cluster, agentOptions) => {
    const key = JSON.stringify(kubeConfig.createDispatcherOptions(cluster as never, agentOptions as never));
    if (!cache.has(key)) cache.set(key, create(cluster, agentOptions));
    return cache.get(key);
  };
  return kubeConfig;
}
