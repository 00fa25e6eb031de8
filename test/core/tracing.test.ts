/**
 * OpenTelemetry: an enqueue inside a request's span is a child of it, its context travels with the job, and
 * the run (in whichever process claims it) is a child of the enqueue, with the handler's own spans below.
 * Exported to memory by the SDK (the real one, registered globally for this file).
 */
import { context, propagation, trace, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { waitUntil } from '../conformance/helpers.js';

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const named = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);

describe('tracing with @opentelemetry/api present', () => {
  it('joins a run to the trace of the request that enqueued it, the handler spans below the run', async () => {
    const store = new MemoryStore();
    const producer = new Scheduler({ store, logger: silentLogger });
    const tracer = trace.getTracer('test');
    const job = await tracer.startActiveSpan('request', async (span) => {
      try {
        return await producer.now('work', { n: 1 });
      } finally {
        span.end();
      }
    });
    // The carrier is stored with the job: another process reading the store gets it.
    expect(JSON.parse((await store.getJob(job.id))!.trace!).traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // A worker in "another process": its own scheduler on the same store, no ambient context.
    const worker = new Scheduler({ store, logger: silentLogger, pollInterval: 20 });
    worker.define('work', async () => {
      tracer.startSpan('inside the handler').end();
    });
    await context.with(context.active(), () => worker.start());
    try {
      await waitUntil(() => named('hourglass run work').length === 1, 5000, 'the run span');
    } finally {
      await worker.close();
    }
    const [request] = named('request');
    const [enqueue] = named('hourglass enqueue');
    const [run] = named('hourglass run work');
    const [inner] = named('inside the handler');
    const traceId = request!.spanContext().traceId;
    for (const span of [enqueue, run, inner]) expect(span!.spanContext().traceId).toBe(traceId);
    expect(parentOf(enqueue!)).toBe(request!.spanContext().spanId);
    expect(parentOf(run!)).toBe(enqueue!.spanContext().spanId);
    expect(parentOf(inner!)).toBe(run!.spanContext().spanId);
    expect(run!.attributes).toMatchObject({ 'hourglass.job.id': job.id, 'hourglass.job.name': 'work', 'hourglass.job.attempt': 1 });
    // The worker's store calls are spans too.
    expect(named('hourglass claim').length).toBeGreaterThan(0);
    expect(named('hourglass settle').length + named('hourglass claim').length).toBeGreaterThan(1);
  });

  it('marks a run span whose handler threw as an error, with the exception', async () => {
    exporter.reset();
    const scheduler = new Scheduler({ store: new MemoryStore(), logger: silentLogger, pollInterval: 20 });
    scheduler.define('broken', async () => {
      throw new Error('kaput');
    }, { attempts: 1 });
    await scheduler.start();
    try {
      await scheduler.now('broken', null);
      await waitUntil(() => named('hourglass run broken').length === 1, 5000, 'the run span');
    } finally {
      await scheduler.close();
    }
    const [run] = named('hourglass run broken');
    expect(run!.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'kaput' });
    expect(run!.events.some((e) => e.name === 'exception')).toBe(true);
  });
});
