/**
 * OpenTelemetry spans, through `@opentelemetry/api`, an optional peer dependency: when it is not installed the
 * import fails once and nothing here does any work; when it is installed without an SDK its calls are no-ops.
 *
 *   hourglass enqueue (PRODUCER)   around an insert; its context is stored with each job (JobRecord.trace, W3C
 *                                  trace context as JSON text), so a run, in any process, joins the trace of
 *                                  the request that enqueued it
 *   hourglass run <name> (CONSUMER) around a handler, child of the stored context (or of the active one when a
 *                                  job has none); the handler runs inside it, so its own spans nest below
 *   hourglass claim / settle       around the worker's store calls, one per batch
 *
 * Only the few API members used here are typed (OtelApi), so hourglass's types never need the package.
 */

interface Span {
  setAttribute(key: string, value: string | number | boolean): unknown;
  recordException(exception: unknown): void;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}
interface Context {
  readonly __context?: never;
}
interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): { startSpan(name: string, options?: { kind?: number; attributes?: Record<string, string | number | boolean> }, context?: Context): Span };
    setSpan(context: Context, span: Span): Context;
    getTracerProvider(): { getDelegate?(): unknown };
  };
  context: { active(): Context; with<T>(context: Context, fn: () => T): T };
  /** The global provider is always one of these; its delegate is the no-op provider until an SDK registers one. */
  ProxyTracerProvider?: new () => { getDelegate(): unknown };
  propagation: {
    inject(context: Context, carrier: Record<string, string>): void;
    extract(context: Context, carrier: Record<string, string>): Context;
  };
  SpanKind: { PRODUCER: number; CONSUMER: number; INTERNAL: number };
  SpanStatusCode: { ERROR: number };
}

let loading: Promise<OtelApi | null> | undefined;

/** The API when the package is installed, else null (looked up once per process). */
export function loadOtel(): Promise<OtelApi | null> {
  // A variable specifier: bundlers and the type checker leave the optional dependency alone.
  const specifier = '@opentelemetry/api';
  loading ??= (import(specifier) as Promise<OtelApi>).then(
    (api) => (api && api.trace && api.propagation ? api : null),
    () => null,
  );
  return loading;
}

export interface RunTraceInfo {
  id: string;
  name: string;
  attempts: number;
  trace: string | null;
}

export class Tracing {
  private readonly tracer: ReturnType<OtelApi['trace']['getTracer']>;
  /** The API's no-op provider (what a fresh proxy delegates to), or null when this version does not tell. */
  private readonly noopProvider: unknown;

  constructor(private readonly api: OtelApi) {
    this.tracer = api.trace.getTracer('hourglass-jobs');
    this.noopProvider = api.ProxyTracerProvider ? (new api.ProxyTracerProvider().getDelegate?.() ?? null) : null;
  }

  /**
   * True while no SDK is registered (the package is installed, often as somebody's dependency, but nobody
   * traces): every span would be a no-op. Asked per call, since an SDK may be registered at any time.
   */
  private get idle(): boolean {
    return this.noopProvider !== null && this.api.trace.getTracerProvider().getDelegate?.() === this.noopProvider;
  }

  /**
   * Whether a run of this job needs its run span: not when no SDK is registered and the job carries no trace
   * context. The span would then be a no-op around the active context, and making it costs about a kilobyte
   * and a microsecond per job (bench/core/node-cost.ts). A job with a stored context still gets one, so
   * that context is active in its handler (for a propagator registered without a tracer).
   */
  runs(job: RunTraceInfo): boolean {
    return job.trace !== null || !this.idle;
  }

  /** Whether the worker's store calls get spans: only while an SDK is registered (else they are no-ops). */
  get storeCalls(): boolean {
    return !this.idle;
  }

  /**
   * Start an enqueue span for jobs about to be inserted; returns the carrier to store with each (null when no
   * propagator wrote anything: no SDK) and a function that ends the span with the insert's outcome.
   */
  enqueue(names: readonly string[]): { trace: string | null; end(error?: unknown): void } {
    const { api } = this;
    const span = this.tracer.startSpan('hourglass enqueue', {
      kind: api.SpanKind.PRODUCER,
      attributes: { 'hourglass.job.count': names.length, 'hourglass.job.name': names.length === 1 ? names[0]! : [...new Set(names)].join(',') },
    });
    const carrier: Record<string, string> = {};
    api.propagation.inject(api.trace.setSpan(api.context.active(), span), carrier);
    return {
      trace: Object.keys(carrier).length > 0 ? JSON.stringify(carrier) : null,
      end: (error) => this.finish(span, error),
    };
  }

  /** Run `fn` (the handler) inside a run span, child of the job's stored trace context. */
  async run<T>(job: RunTraceInfo, fn: () => Promise<T>): Promise<T> {
    const { api } = this;
    let parent = api.context.active();
    if (job.trace !== null) {
      try {
        parent = api.propagation.extract(parent, JSON.parse(job.trace) as Record<string, string>);
      } catch {
        // A carrier that is not JSON (written by hand?) is ignored: the run still gets its span.
      }
    }
    const span = this.tracer.startSpan(
      `hourglass run ${job.name}`,
      { kind: api.SpanKind.CONSUMER, attributes: { 'hourglass.job.id': job.id, 'hourglass.job.name': job.name, 'hourglass.job.attempt': job.attempts } },
      parent,
    );
    try {
      const result = await api.context.with(api.trace.setSpan(parent, span), fn);
      this.finish(span);
      return result;
    } catch (error) {
      this.finish(span, error);
      throw error;
    }
  }

  /** Wrap one store call of the worker (claim, settle) in an internal span. */
  async storeCall<T>(operation: 'claim' | 'settle', count: number, fn: () => Promise<T>): Promise<T> {
    const span = this.tracer.startSpan(`hourglass ${operation}`, { kind: this.api.SpanKind.INTERNAL, attributes: { 'hourglass.batch.size': count } });
    try {
      const result = await fn();
      if (Array.isArray(result)) span.setAttribute('hourglass.batch.result', result.length);
      this.finish(span);
      return result;
    } catch (error) {
      this.finish(span, error);
      throw error;
    }
  }

  private finish(span: Span, error?: unknown): void {
    if (error !== undefined) {
      span.recordException(error as Error);
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    span.end();
  }
}

/** The scheduler's Tracing, or null without the package (created once per process). */
let shared: Promise<Tracing | null> | undefined;
export function tracing(): Promise<Tracing | null> {
  shared ??= loadOtel().then((api) => (api ? new Tracing(api) : null));
  return shared;
}
