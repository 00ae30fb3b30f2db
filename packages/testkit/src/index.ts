export * from './crd-validator.js';
export * from './data-storage-stub.js';
export * from './kube-sandbox/index.js';
export * from './orchestrator-driver.js';
export * from './redis-fixture.js';
export * from './stack/index.js';
export * from './tcp-fault-proxy.js';
export * from './test-data.js';
