/**
 * Webhooks: an HTTP POST when a job succeeds, fails or completes (seed 003's "webhook notifications on job
 * completion/failure").
 *
 * A delivery is itself a job (WEBHOOK_JOB), enqueued with the run's other follow-ups before the run is
 * settled (job-run.ts), so it is as durable as any job: a crash between the two runs the job again rather than
 * losing the notification, a receiver that is down is retried with exponential backoff, and deliveries show
 * in listJobs, history and the dashboard like any other work. The secret and headers stay in this process's
 * options: the stored job names the hook by id, and the process that delivers looks it up (so every process
 * that runs jobs should configure the same webhooks).
 */
import { createHmac } from 'node:crypto';
import { ValidationError } from './errors.js';
import { assertKnownKeys, assertObject, normaliseBackoff } from './normalise.js';
import { parsePositiveDuration } from './time/duration.js';
import type { BackoffOptions, BackoffSpec, Duration, HandlerContext, Job, ScheduleSpec } from './types.js';
import { assertInt } from './validate.js';

/** The name of delivery jobs. Names starting with "hourglass:" never trigger webhooks themselves. */
export const WEBHOOK_JOB = 'hourglass:webhook';
const INTERNAL_PREFIX = 'hourglass:';
const DEFAULT_BACKOFF: BackoffSpec = { type: 'exponential', delay: 2000, maxDelay: 600_000 };

export const WEBHOOK_EVENTS = ['job:success', 'job:fail', 'job:retry', 'job:complete'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookOptions {
  /** Where to POST (http or https). */
  url: string;
  /** Which events to send. Default ['job:complete'] (after a success or a final failure). */
  events?: WebhookEvent[];
  /** Only jobs of these names. Default: every job. */
  names?: string[];
  /** Extra request headers (an API key, say). Kept in this process, never stored with the job. */
  headers?: Record<string, string>;
  /** Signs each body: header `x-hourglass-signature: sha256=<hex HMAC-SHA256 of the body>`. */
  secret?: string;
  /** Identity of the hook in stored deliveries. Default: the url. */
  id?: string;
  /** Deliveries tried at most this many times. Default 8. */
  attempts?: number;
  /** Wait between tries. Default exponential from 2 s, at most 10 min. */
  backoff?: BackoffOptions;
  /** One request's time limit. Default 10 s. */
  timeout?: Duration;
}

interface Hook {
  id: string;
  url: string;
  events: Set<WebhookEvent>;
  names: Set<string> | null;
  headers: Record<string, string>;
  secret: string | null;
  attempts: number;
  backoff: BackoffSpec;
  timeoutMs: number;
}

/** What a delivery job carries: which hook, and the exact body to send (the same on every retry). */
interface Delivery {
  hook: string;
  event: WebhookEvent;
  body: WebhookPayload;
}

export interface WebhookPayload {
  /** Stable across retries and re-enqueues of the same notification: receivers may dedupe on it. */
  deliveryId: string;
  event: WebhookEvent;
  job: Job;
  error: string | null;
}

/** The outcome of a run, as far as webhooks care. */
export type RunVerdict = 'success' | 'retry' | 'final-failure';

const EVENTS_OF: Record<RunVerdict, WebhookEvent[]> = {
  success: ['job:success', 'job:complete'],
  retry: ['job:fail', 'job:retry'],
  'final-failure': ['job:fail', 'job:complete'],
};

export class Webhooks {
  private readonly hooks: Hook[];
  private readonly byId = new Map<string, Hook>();

  constructor(options: unknown, field = 'options.webhooks') {
    if (!Array.isArray(options)) throw new ValidationError(field, options, 'must be an array of { url, events?, names?, headers?, secret? }');
    this.hooks = options.map((o, i) => parseHook(o, `${field}[${i}]`));
    for (const [i, hook] of this.hooks.entries()) {
      if (this.byId.has(hook.id)) throw new ValidationError(`${field}[${i}].id`, hook.id, 'is used by another webhook: give each its own id');
      this.byId.set(hook.id, hook);
    }
  }

  /**
   * Delivery jobs for one run's outcome; `job` is built only when some hook wants this run. `runKey` names the run's cycle (job id and due time); a failure event adds the attempt. So deliveryId is
   * the same when a crash makes the same outcome happen again, and differs between the failures of a cycle.
   */
  deliveriesFor(verdict: RunVerdict, name: string, job: () => Job, error: string | null, runKey: string, attempt: number): ScheduleSpec[] {
    if (name.startsWith(INTERNAL_PREFIX)) return [];
    const out: ScheduleSpec[] = [];
    let view: Job | null = null;
    for (const hook of this.hooks) {
      if (hook.names && !hook.names.has(name)) continue;
      for (const event of EVENTS_OF[verdict]) {
        if (!hook.events.has(event)) continue;
        view ??= job();
        const perAttempt = event === 'job:fail' || event === 'job:retry';
        const deliveryId = `${perAttempt ? `${runKey}:${attempt}` : runKey}:${event}:${hook.id}`;
        const data: Delivery = { hook: hook.id, event, body: { deliveryId, event, job: view, error } };
        out.push({
          name: WEBHOOK_JOB,
          data: JSON.parse(JSON.stringify(data)), // the Dates of the job view as the receiver will read them
          dedupeKey: `webhook:${deliveryId}`,
          label: `${event} → ${hook.url}`,
          attempts: hook.attempts,
          backoff: hook.backoff,
          timeout: hook.timeoutMs,
        });
      }
    }
    return out;
  }

  /** The handler of delivery jobs: POST the stored body; anything but a 2xx answer is a failure (retried). */
  readonly deliver = async (job: Job<Delivery>, ctx: HandlerContext<Delivery>): Promise<{ status: number }> => {
    const { hook: id, event, body } = job.data;
    const hook = this.byId.get(id);
    if (!hook) throw new Error(`webhook "${id}" is not configured in this process: give every worker the same webhooks option`);
    const text = JSON.stringify(body);
    const headers: Record<string, string> = {
      ...hook.headers,
      'content-type': 'application/json',
      'user-agent': 'hourglass-webhook',
      'x-hourglass-event': event,
      'x-hourglass-delivery': body.deliveryId,
    };
    if (hook.secret !== null) headers['x-hourglass-signature'] = `sha256=${createHmac('sha256', hook.secret).update(text).digest('hex')}`;
    const response = await fetch(hook.url, { method: 'POST', headers, body: text, signal: ctx.signal, redirect: 'manual' });
    await response.arrayBuffer().catch(() => undefined); // drain, so the connection can be reused
    if (response.status < 200 || response.status >= 300) throw new Error(`webhook ${hook.url} answered ${response.status}`);
    return { status: response.status };
  };
}

function parseHook(value: unknown, field: string): Hook {
  const o = assertObject(value, field) as unknown as WebhookOptions;
  assertKnownKeys(o, ['url', 'events', 'names', 'headers', 'secret', 'id', 'attempts', 'backoff', 'timeout'], field);
  let url: URL;
  try {
    url = new URL(String(o.url));
  } catch {
    throw new ValidationError(`${field}.url`, o.url, 'must be an http:// or https:// URL');
  }
  if (typeof o.url !== 'string' || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ValidationError(`${field}.url`, o.url, 'must be an http:// or https:// URL');
  }
  const events = o.events ?? ['job:complete'];
  if (!Array.isArray(events) || events.length === 0) throw new ValidationError(`${field}.events`, o.events, `must be a non-empty array of ${WEBHOOK_EVENTS.join(', ')}`);
  for (const [i, event] of events.entries()) {
    if (!WEBHOOK_EVENTS.includes(event)) throw new ValidationError(`${field}.events[${i}]`, event, `must be one of ${WEBHOOK_EVENTS.join(', ')}`);
  }
  if (o.names !== undefined && (!Array.isArray(o.names) || o.names.some((n) => typeof n !== 'string' || n === ''))) {
    throw new ValidationError(`${field}.names`, o.names, 'must be an array of job names');
  }
  const headers = assertObject(o.headers, `${field}.headers`) as Record<string, unknown>;
  for (const [key, v] of Object.entries(headers)) {
    if (typeof v !== 'string') throw new ValidationError(`${field}.headers.${key}`, v, 'must be a string');
  }
  if (o.secret !== undefined && (typeof o.secret !== 'string' || o.secret === '')) throw new ValidationError(`${field}.secret`, '[hidden]', 'must be a non-empty string');
  if (o.id !== undefined && (typeof o.id !== 'string' || o.id === '')) throw new ValidationError(`${field}.id`, o.id, 'must be a non-empty string');
  return {
    id: o.id ?? o.url,
    url: o.url,
    events: new Set(events),
    names: o.names ? new Set(o.names) : null,
    headers: headers as Record<string, string>,
    secret: o.secret ?? null,
    attempts: o.attempts === undefined ? 8 : assertInt(o.attempts, `${field}.attempts`, 1),
    backoff: normaliseBackoff(o.backoff, `${field}.backoff`) ?? DEFAULT_BACKOFF,
    timeoutMs: o.timeout === undefined ? 10_000 : parsePositiveDuration(o.timeout, `${field}.timeout`),
  };
}
