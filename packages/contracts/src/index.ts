export * from './errors.js';
export * from './fingerprint.js';
export * from './hash.js';
export * from './normalized-signal.js';
export * from './problem.js';
export * from './queue.js';
export * from './remediation-request.js';
export * from './time.js';
