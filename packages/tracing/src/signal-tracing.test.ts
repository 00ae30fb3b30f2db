import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignalTracing, NO_TRACING } from './signal-tracing.js';

// The in-memory exporter stands in for OTLP here; tests/tracing checks the real exporter over the wire.
const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();
const provider = new TracerProvider({
  // Unsampled parents stay unsampled, as with the SDK's default parent-based sampler.
  sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
/** Spans ended so far: the processor hands them to the exporter asynchronously. */
async function finished() {
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

beforeAll(() => {
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
});

afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

describe('signal-tracing', () => {
  const tracing = createSignalTracing('test');

  it('continues a trace from a carrier in another process, linked to the span active there', async () => {
    exporter.reset();
    const carrier = await tracing.span('queue.add', async () => tracing.carrier());
    expect(tracing.sampled(carrier)).toBe(true);
    await tracing.span('job', () =>
      tracing.span('signal.process', () => tracing.span('fingerprint', async () => undefined), {
        parent: carrier,
        linkToActive: true,
      }),
    );
    const spans = new Map((await finished()).map((span) => [span.name, span]));
    const enqueue = spans.get('queue.add');
    const signal = spans.get('signal.process');
    expect(signal?.spanContext().traceId).toBe(enqueue?.spanContext().traceId);
    expect(signal?.parentSpanContext?.spanId).toBe(enqueue?.spanContext().spanId);
    expect(signal?.links.map((link) => link.context.spanId)).toEqual([spans.get('job')?.spanContext().spanId]);
    expect(spans.get('fingerprint')?.parentSpanContext?.spanId).toBe(signal?.spanContext().spanId);
  });

  it('ends a span that throws as an error and rethrows, and names the active span in log fields', async () => {
    exporter.reset();
    let fields: ReturnType<typeof tracing.logFields>;
    await expect(
      tracing.span('k8s.create', async () => {
        fields = tracing.logFields();
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    const [span] = await finished();
    expect(span?.status).toMatchObject({ code: 2, message: 'refused' });
    expect(fields).toEqual({ trace_id: span?.spanContext().traceId, span_id: span?.spanContext().spanId });
    expect(tracing.logFields()).toBeUndefined();
  });

  it('says whether the active span records', async () => {
    expect(tracing.recording()).toBe(false);
    expect(await tracing.span('queue.add', async () => tracing.recording())).toBe(true);
    const unsampled = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00` };
    expect(await tracing.span('queue.add', async () => tracing.recording(), { parent: unsampled })).toBe(false);
  });

  it('tells unsampled and empty carriers apart from sampled ones', () => {
    const unsampled = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00` };
    expect(tracing.sampled(unsampled)).toBe(false);
    expect(tracing.sampled({})).toBe(false);
    expect(tracing.sampled({ traceparent: 'not a traceparent' })).toBe(false);
  });

  it('runs the work without spans or context when tracing is off', async () => {
    exporter.reset();
    expect(await NO_TRACING.span('queue.add', async () => NO_TRACING.carrier())).toEqual({});
    expect(NO_TRACING.sampled({ traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` })).toBe(false);
    expect(await finished()).toEqual([]);
  });
});
