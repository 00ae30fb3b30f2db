export * from './free-port.js';
export * from './gateway-stack.js';
export * from './managed-process.js';
export * from './prometheus-text.js';
export * from './wait-for.js';
