// The kube sandbox for `pnpm bench`, in its own process so the API server's work does not share an event loop with
// the load generator (as a real API server would not). Adds the per-response latency of docs/benchmarks.md.
// Usage: node bench/sandbox-server.mjs <port> <latencyMs> <kubeconfig path> <namespace>
import { startKubeSandbox } from '../packages/testkit/dist/kube-sandbox/index.js';

const [portArg, latencyArg, kubeconfigPath, namespace] = process.argv.slice(2);
const sandbox = await startKubeSandbox({ port: Number(portArg), latencyMs: Number(latencyArg), host: '127.0.0.1' });
sandbox.writeKubeconfig(kubeconfigPath, namespace);
process.stdout.write(`kube sandbox on ${sandbox.url} (latency ${latencyArg} ms)\n`);
const shutdown = () => {
  void sandbox.close().then(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
