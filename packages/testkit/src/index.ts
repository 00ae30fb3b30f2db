export * from './redis-fixture.js';
export * from './shared-files.js';
export * from './crd-validator.js';
