// src/handlers/email/jobs/index.ts
import type { JobScheduler } from '../../../core/jobs.js';

export function registerEmailJobs(scheduler: JobScheduler): void {
  // Example 2 of the seed: the email queue, every 30 seconds.
  scheduler.registerInterval('email.process-queue', 30_000, async ({ db, logger }) => {
    const { EmailRepository } = await import('../repos/email.repo.js');
    const sent = await new EmailRepository(db).processPendingEmails();
    logger.debug('Email queue processed', { sent });
    return { sent };
  });

  // A delayed job: runs 1 s after each trigger('email.send-welcome', { userId }).
  scheduler.registerDelayed('email.send-welcome', 1_000, async ({ db, data, logger }) => {
    const { EmailRepository } = await import('../repos/email.repo.js');
    await new EmailRepository(db).sendWelcome(data.userId);
    logger.info('Welcome email sent', { userId: data.userId });
    return { welcomed: data.userId };
  });
}
