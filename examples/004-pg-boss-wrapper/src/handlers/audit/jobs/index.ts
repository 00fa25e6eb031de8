// src/handlers/audit/jobs/index.ts
import type { JobContext, JobScheduler } from '../../../core/jobs.js';

export function registerAuditJobs(scheduler: JobScheduler): void {
  // Example 1 of the seed: audit log retention, daily at 3 AM.
  scheduler.registerCron('audit.retention', '0 3 * * *', async (context: JobContext) => {
    const { db, logger } = context;
    const { AuditRepository } = await import('../repos/audit.repo.js'); // lazy import, as the seed advises
    const auditRepo = new AuditRepository(db, logger);
    const archived = await auditRepo.archiveOldLogs(365); // older than 1 year
    const purged = await auditRepo.purgeArchivedLogs(2555); // older than 7 years
    logger.info('Audit retention complete', { archived, purged });
    return { archived, purged };
  });

  // A job that fails once (a deadlock, say) and succeeds when retried: always rethrow so it is retried.
  let deadlocks = 1;
  scheduler.registerCron('audit.reindex', '0 4 * * 0', async ({ logger, jobId }) => {
    try {
      if (deadlocks-- > 0) throw new Error('deadlock detected');
      return { reindexed: true };
    } catch (error) {
      logger.error({ error, jobId }, 'Job failed - will retry');
      throw error;
    }
  });
}
