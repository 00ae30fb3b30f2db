export * from './process-logger.js';
