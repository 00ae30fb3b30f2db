import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createSignalTracing, NO_TRACING, type SignalTracing } from './signal-tracing.js';

export interface TracingOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` says otherwise. */
  serviceName: string;
  /** `telemetry.otlpEndpoint` (`OTEL_EXPORTER_OTLP_ENDPOINT`); tracing is off when it is empty. */
  endpoint: string | undefined;
  /**
   * `OTEL_EXPORTER_OTLP_ENDPOINT` as the process has it. When set, the SDK reads every `OTEL_*` variable itself
   * (protocol, headers, sampler, resource attributes); an endpoint from the config file alone gets OTLP/HTTP at
   * `<endpoint>/v1/traces`.
   */
  envEndpoint: string | undefined;
}

export interface Tracing {
  tracing: SignalTracing;
  /** Sends the spans still buffered; called once on shutdown. */
  shutdown(): Promise<void>;
}

const TRACER_NAME = 'signal-gateway';

/**
 * Starts OpenTelemetry tracing for one app, or nothing when no endpoint is set. Instrumentation is by API calls and
 * diagnostics channels only (the HTTP middleware, BullMQ's telemetry hook, undici's channels), so it does not depend
 * on being loaded before the modules it observes.
 */
export function startTracing(options: TracingOptions): Tracing {
  const endpoint = options.endpoint?.trim() ?? '';
  if (endpoint === '') return { tracing: NO_TRACING, shutdown: async () => undefined };
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    // Only calls made inside a traced step: the status flusher's writes would otherwise each start a trace of one span.
    instrumentations: [new UndiciInstrumentation({ requireParentforSpans: true })],
    metricReaders: [],
    logRecordProcessors: [],
    ...((options.envEndpoint?.trim() ?? '') !== ''
      ? {}
      : { traceExporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }) }),
  });
  sdk.start();
  return { tracing: createSignalTracing(TRACER_NAME), shutdown: () => sdk.shutdown() };
}
