/** Helpers that read a Scheduler from a test: a job's status now, and the next event of a name. */
import type { Scheduler } from '../../src/core/scheduler.js';
import type { JobStatus, SchedulerEventName, SchedulerEvents } from '../../src/core/types.js';

/** Anything that reads a job by id: a Scheduler, or the JobsClient a handler gets as ctx.scheduler. */
export interface JobReader {
  getJob(id: string): Promise<{ status: JobStatus } | null>;
}

/**
 * The job's status now; `missing` is what a job that is no longer there reads as ('pruned', 'removed'), so a
 * waitUntil can wait for it to go. Without it, a missing job reads as undefined.
 */
export async function statusOf<M extends string | undefined = undefined>(s: JobReader, id: string, missing?: M): Promise<JobStatus | M> {
  const job = await s.getJob(id);
  // `missing` is undefined only where M is: the default.
  return job ? job.status : (missing as M);
}

/** What an event carries: its first argument (the job; { job, error } for job:fail; undefined for scheduler:start). */
export type EventPayload<E extends SchedulerEventName> = SchedulerEvents[E] extends [infer P, ...unknown[]] ? P : undefined;

/** Resolves with the first emission of `event` whose payload matches. */
export function nextEvent<E extends SchedulerEventName>(
  s: Scheduler,
  event: E,
  match: (payload: EventPayload<E>) => boolean = () => true,
): Promise<EventPayload<E>> {
  return new Promise((resolve) => {
    const listener = (...args: SchedulerEvents[E]) => {
      // TypeScript does not narrow the tuple of a generic event: args[0] is EventPayload<E> by definition.
      const payload = args[0] as EventPayload<E>;
      if (!match(payload)) return;
      s.off(event, listener);
      resolve(payload);
    };
    s.on(event, listener);
  });
}
