export * from './fingerprinter.js';
