/**
 * The job service of seed 001 (mongo-job-scheduler), on hourglass: one scheduler with a catch-all `handler`
 * (the seed's style: no define() per name), three jobs at once (the seed's `workers: 3`), and every lifecycle
 * event reported.
 */
import { Scheduler, type HandlerContext, type Job, type Store } from 'hourglass-jobs';

/** What the handler does per job name; a name not listed fails its job. */
const work: Record<string, (job: Job, ctx: HandlerContext) => Promise<unknown>> = {
  'daily-report': async (job) => ({ report: (job.data as { type: string }).type }),
  'cleanup-logs': async () => ({ deleted: 3 }),
  email: async (job) => ({ sentTo: (job.data as { userId: number }).userId }),
  tally: () => new Promise((resolve) => setTimeout(() => resolve(null), 60)),
  // Runs until cancelled: ctx.signal aborts when cancel() is called while it runs.
  export: (_job, ctx) =>
    new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => reject(new Error('export stopped: cancelled')), { once: true });
    }),
  'charge-card': async () => {
    throw new Error('card declined');
  },
};

/** `quiet`: report nothing; `mute`: job names whose job events are not reported (many small jobs). */
export function createJobService(store: Store, options: { quiet?: boolean; mute?: string[] } = {}): Scheduler {
  const muted = new Set(options.mute ?? []);
  const scheduler = new Scheduler({
    store,
    handler: async (job, ctx) => {
      if (!options.quiet && !muted.has(job.name)) console.log('Running job:', job.name);
      const run = work[job.name];
      if (!run) throw new Error(`no work defined for ${job.name}`);
      return run(job, ctx);
    },
    concurrency: 3, // seed: workers: 3
    // Claim only what runs now, so a few short jobs spread over instances. The default (10 x concurrency)
    // claims short jobs ahead in batches: more throughput, but one instance may take a small batch whole.
    prefetch: 0,
    pollInterval: 200,
    defaults: { backoff: { type: 'fixed', delay: 100 } },
  });
  if (options.quiet) return scheduler;

  // Scheduler events
  scheduler.on('scheduler:start', () => console.log('Scheduler started'));
  scheduler.on('scheduler:stop', () => console.log('Scheduler stopped'));
  scheduler.on('scheduler:error', (err) => console.error('Scheduler error:', err));
  // Worker events
  scheduler.on('worker:start', (workerId) => console.log('Worker started:', workerId));
  scheduler.on('worker:stop', (workerId) => console.log('Worker stopped:', workerId));
  // Job events (the seed's job._id is job.id)
  const report = (event: string, job: Job, ...more: unknown[]) => !muted.has(job.name) && console.log(event, job.name, job.id, ...more);
  scheduler.on('job:created', (job) => report('Job created:', job));
  scheduler.on('job:start', (job) => report('Job processing:', job));
  scheduler.on('job:success', (job) => report('Job done:', job, JSON.stringify(job.result)));
  scheduler.on('job:fail', ({ job, error }) => report('Job failed:', job, error.message));
  scheduler.on('job:retry', (job) => report('Job retrying:', job, `after attempt ${job.attempts}`));
  scheduler.on('job:cancel', (job) => report('Job cancelled:', job));
  return scheduler;
}
