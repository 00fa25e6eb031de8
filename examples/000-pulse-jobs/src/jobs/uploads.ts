/** A job that spawns other jobs (the seed's "jobs that spawn other jobs"). */
import type { Scheduler } from 'hourglass-jobs';

export default function uploadJobs(scheduler: Scheduler): void {
  scheduler.define('process upload', async (job, ctx) => {
    const { fileId } = job.data as { fileId: string };
    for (const size of ['small', 'large']) {
      await ctx.progress({ thumbnails: size });
      // Enqueued only if this run succeeds, together with its outcome: a crash cannot lose or double them.
      ctx.followUp('generate thumbnail', { fileId, size });
    }
    return { fileId, thumbnails: 2 };
  });

  scheduler.define('generate thumbnail', async (job) => ({ ...(job.data as object), done: true }), { concurrency: 1 });
}
