export {
  createSignalTracing,
  NO_TRACING,
  type SignalTracing,
  type SpanHandle,
  type SpanOptions,
  type TraceCarrier,
} from './signal-tracing.js';
export { startTracing, type Tracing, type TracingOptions } from './start-tracing.js';
