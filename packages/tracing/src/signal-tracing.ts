import {
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';

/** W3C trace context (`traceparent`, `tracestate`) as carried in a job's data. */
export type TraceCarrier = Record<string, string>;

export interface SpanOptions {
  /** The span's parent: a carrier from another process; the active context when absent. */
  parent?: TraceCarrier;
  /** Spans this one is related to without being their child (the job span that carried the signal). */
  linkToActive?: boolean;
  /** `server` for a request this process answers; internal otherwise. */
  kind?: 'server';
  attributes?: Record<string, string | number | boolean>;
}

/**
 * The spans the gateway writes by hand. Apps receive one from their composition root: with tracing off it is
 * `NO_TRACING`, which runs the work without building anything, so a disabled tracer costs nothing per signal.
 */
export interface SignalTracing {
  readonly enabled: boolean;
  /** Runs `work` inside a span; an exception ends the span as an error and is thrown on. */
  span<T>(name: string, work: (span: SpanHandle) => Promise<T>, options?: SpanOptions): Promise<T>;
  /** The active context as a carrier for the job data (empty when nothing is traced). */
  carrier(): TraceCarrier;
  /** Trace and span id of the active span, for log lines; undefined when there is none. */
  logFields(): { trace_id: string; span_id: string } | undefined;
  /** Whether the context in a carrier is sampled: only then is the work it names worth spans of its own. */
  sampled(carrier: TraceCarrier): boolean;
  /** Whether the active span records (was sampled): work under one that does not need no spans of its own. */
  recording(): boolean;
}

/** What work may add to its span. */
export interface SpanHandle {
  setAttribute(key: string, value: string | number | boolean): void;
}

const EMPTY_CARRIER: TraceCarrier = Object.freeze({}) as TraceCarrier;
const NO_SPAN: SpanHandle = { setAttribute: () => undefined };

export const NO_TRACING: SignalTracing = {
  enabled: false,
  span: (_name, work) => work(NO_SPAN),
  carrier: () => EMPTY_CARRIER,
  logFields: () => undefined,
  sampled: () => false,
  recording: () => false,
};

function parentContext(carrier: TraceCarrier | undefined): Context {
  if (carrier === undefined) return context.active();
  // A signal enqueued while tracing was off has an empty carrier: its span starts a trace of its own.
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** SignalTracing on the globally registered OpenTelemetry API (see `startTracing`). */
export function createSignalTracing(tracerName: string): SignalTracing {
  const tracer = trace.getTracer(tracerName);
  return {
    enabled: true,
    async span(name, work, options = {}) {
      const active = trace.getSpanContext(context.active());
      const links: Link[] = options.linkToActive && active ? [{ context: active }] : [];
      const parentOf = parentContext(options.parent);
      const span: Span = tracer.startSpan(
        name,
        {
          links,
          ...(options.kind === 'server' ? { kind: SpanKind.SERVER } : {}),
          ...(options.attributes ? { attributes: options.attributes } : {}),
        },
        parentOf,
      );
      // An unsampled span records nothing: its work runs in the context it was given, without the cost of a new
      // one, and whatever it starts (under `recording()` false) skips its own spans.
      if (!span.isRecording()) {
        try {
          return await work(span);
        } finally {
          span.end();
        }
      }
      const parent = trace.setSpan(parentOf, span);
      try {
        return await context.with(parent, () => work(span));
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        if (error instanceof Error) span.recordException(error);
        throw error;
      } finally {
        span.end();
      }
    },
    carrier() {
      const carrier: TraceCarrier = {};
      propagation.inject(context.active(), carrier);
      return carrier;
    },
    logFields() {
      const active = trace.getSpanContext(context.active());
      return active ? { trace_id: active.traceId, span_id: active.spanId } : undefined;
    },
    recording() {
      return trace.getSpan(context.active())?.isRecording() ?? false;
    },
    sampled(carrier) {
      if (carrier.traceparent === undefined) return false;
      const remote = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier));
      return remote !== undefined && (remote.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    },
  };
}
