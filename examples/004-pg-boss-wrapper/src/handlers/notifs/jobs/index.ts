// src/handlers/notifs/jobs/index.ts
import type { JobScheduler } from '../../../core/jobs.js';

export function registerNotificationJobs(scheduler: JobScheduler): void {
  // Example 3 of the seed: notification cleanup, every hour.
  scheduler.registerInterval('notifs.cleanup', 3_600_000, async ({ db, logger }) => {
    const { NotificationRepository } = await import('../repos/notification.repo.js');
    const cleaned = await new NotificationRepository(db, logger).cleanupExpiredNotifications(90);
    logger.info('Notification cleanup complete', { cleaned });
    return { cleaned };
  });
}
