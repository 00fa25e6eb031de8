/**
 * With @opentelemetry/api installed but no SDK registered, every span would be a no-op: the worker then makes
 * no run span (unless the job carries a trace context) and no store-call spans. Once an SDK registers, it does.
 */
import * as api from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { Tracing } from '../../src/core/tracing.js';

const job = { id: '1', name: 'work', attempts: 1, trace: null };

afterEach(() => api.trace.disable());

describe('tracing without an SDK', () => {
  it('skips the run span and store-call spans of jobs without a trace context while no SDK is registered', () => {
    const tracing = new Tracing(api as never);
    expect(tracing.runs(job)).toBe(false);
    expect(tracing.storeCalls).toBe(false);
    // A stored context is still made active around the handler (a propagator may be registered alone).
    expect(tracing.runs({ ...job, trace: '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}' })).toBe(true);
  });

  it('makes them again as soon as an SDK registers, and stops when it is removed', () => {
    const tracing = new Tracing(api as never);
    api.trace.setGlobalTracerProvider(new BasicTracerProvider());
    expect(tracing.runs(job)).toBe(true);
    expect(tracing.storeCalls).toBe(true);
    api.trace.disable();
    expect(tracing.runs(job)).toBe(false);
  });
});
