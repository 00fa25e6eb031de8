/**
 * What the Scheduler gives its Worker, grouped by who uses it: the worker itself (store, registry, limits),
 * the runs (JobServices, through a RunContext), and the scheduler's events and health reporting.
 */
import type { EventSink } from './finish-run.js';
import type { Logger } from './logger.js';
import type { Registry } from './registry.js';
import type { FlowJob, JobRecord, NewJob, Store } from './store.js';
import type { Job, JobsClient, ScheduleSpec } from './types.js';
import type { Webhooks } from './webhooks.js';

export interface WorkerLimits {
  /** Handlers running at once. */
  slots: number;
  /** Most jobs held locked at once: running plus claimed ahead (lockLimit). */
  holdLimit: number;
  /** The lockLimit option (Infinity: none): bounds every job held, those whose outcome is being recorded too. */
  lockLimit: number;
  /** Most jobs claimed ahead of a free slot, used only while jobs are short (see ClaimBuffer). */
  prefetch: number;
  pollIntervalMs: number;
}

/** What runs need from the scheduler besides the store. */
export interface JobServices {
  /** The public Job of a record (ctx.job and events). */
  view(record: JobRecord): Job;
  /** ctx.scheduler. */
  client: JobsClient;
  /** The scheduler's `context` option, merged into every ctx. */
  extras: Record<string, unknown>;
  /** A follow-up's spec as a job to insert (validated; throws ValidationError). */
  followUpJob(spec: ScheduleSpec, field: string): NewJob;
  /** Insert follow-up jobs (those of runs ending together share one store operation: insert-batcher.ts). */
  enqueue(jobs: NewJob[]): Promise<void>;
  /** ctx.flow(): the nodes of a sub-graph as jobs to insert (validated; throws ValidationError). */
  flowJobs(nodes: unknown, field: string): FlowJob[];
  /** Insert a sub-graph (Store.insertFlow: one atomic operation). */
  enqueueFlow(jobs: FlowJob[]): Promise<void>;
  /** Webhook deliveries to enqueue after runs; null without the webhooks option. */
  webhooks: Webhooks | null;
}

/** Where the worker reports the store failing and answering again (scheduler:error, health()). */
export interface StoreHealth {
  failed(error: Error): void;
  recovered(): void;
}

export interface WorkerOptions {
  workerId: string;
  logger: Logger;
  /** The scheduler's clock: due times are written in it. */
  now(): number;
  /** The store, opened (a function: the scheduler creates its default store on first use). */
  store(): Store;
  registry: Registry;
  limits: WorkerLimits;
  events: EventSink;
  storeHealth: StoreHealth;
  jobs: JobServices;
}
