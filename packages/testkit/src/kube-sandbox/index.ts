export * from './crd-definition.js';
export * from './faults.js';
export * from './kubeconfig.js';
export * from './sample-remediation-request.js';
export * from './server.js';
export type { KubeObject } from './store.js';
