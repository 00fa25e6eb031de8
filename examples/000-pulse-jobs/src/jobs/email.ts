/** Jobs with data, retries and backoff: the seed's 'send email'. */
import type { Scheduler } from 'hourglass-jobs';

export interface Email {
  to: string;
  subject: string;
  body?: string;
}

/** The mail server of this example: busy for the first two tries of each message. */
const tries = new Map<string, number>();
async function deliver(email: Email): Promise<void> {
  const n = (tries.get(email.to) ?? 0) + 1;
  tries.set(email.to, n);
  if (email.to.startsWith('flaky') && n < 3) throw new Error(`SMTP server busy (try ${n})`);
}

export default function emailJobs(scheduler: Scheduler): void {
  scheduler.define(
    'send email',
    async (job, ctx) => {
      const { to, subject } = job.data as Email; // Pulse: job.attrs.data
      ctx.logger.info('sending', { to, attempt: ctx.attempt });
      await deliver(job.data as Email);
      return { delivered: to, subject }; // kept on the job and in its history
    },
    {
      priority: 'high', // 'lowest' | 'low' | 'normal' | 'high' | 'highest', or a number
      concurrency: 2, // at most 2 running at once, across every process sharing the store
      attempts: 3, // the first run included
      backoff: { type: 'exponential', delay: 200 }, // 200 ms, then 400 ms (the seed used 1000)
      lockLifetime: '1m', // renewed while the handler runs; a crashed process's jobs are taken over after it
      shouldSaveResult: true,
    },
  );
}
