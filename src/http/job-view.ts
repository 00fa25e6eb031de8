/**
 * A job as the API shows it: the core Job (Dates become ISO strings in JSON) plus `handler`.
 * In hourglass a job's name is what dispatches it to a handler, so the store's `name` is the handler here. The
 * display name a client gave travels as the job's label (and, for a repeating job, as its repeat key too), and
 * `name` shows it: the label, else the key, else the handler.
 */
import type { Job } from '../core/types.js';

export type HttpJob = Omit<Job, 'name'> & { name: string; handler: string };

export function toHttpJob(job: Job): HttpJob {
  return { ...job, name: job.label ?? job.key ?? job.name, handler: job.name };
}
