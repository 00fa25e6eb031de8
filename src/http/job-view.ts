/**
 * A job as the API shows it: the core Job (Dates become ISO strings in JSON) plus `handler`.
 * In hourglass a job's name is what dispatches it to a handler, so the store's `name` is the handler here; the
 * display name a client gave a repeating job travels as its repeat key, and `name` shows that key when set.
 */
import type { Job } from '../core/types.js';

export type HttpJob = Omit<Job, 'name'> & { name: string; handler: string };

export function toHttpJob(job: Job): HttpJob {
  return { ...job, name: job.key ?? job.name, handler: job.name };
}
