/** Recurring jobs: an interval and crons (the seed's 'job name' every 5 minutes, 'daily report', 'sync data'). */
import type { Scheduler } from 'hourglass-jobs';

export default function reportJobs(scheduler: Scheduler): void {
  scheduler.define('daily report', async (_job, ctx) => {
    ctx.logger.info('building the daily report');
    return { report: 'generated' };
  });
  scheduler.define('sync data', async () => ({ synced: true }));
  scheduler.define('heartbeat', async (_job, ctx) => {
    ctx.logger.info('still alive');
  });
}
