export * from './create-fingerprinter.js';
export * from './fingerprint-settings.js';
export * from './fingerprinter.js';
