export * from './config-fanout.js';
export * from './config-file-watch.js';
export * from './fleet-registry.js';
export * from './reload-controller.js';
export * from './reload-metrics.js';
export * from './rollback-guard.js';
