import type { Logger } from 'hourglass-jobs';
import type { Db } from '../../../core/db.js';

const DAY = 86_400_000;

export class AuditRepository {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /** Archive logs older than `days`. */
  async archiveOldLogs(days: number): Promise<number> {
    const rows = await this.db.query('UPDATE audit_logs SET archived = 1 WHERE at < $1 AND archived = 0 RETURNING id', [Date.now() - days * DAY]);
    this.logger.debug('archived', { count: rows.length });
    return rows.length;
  }

  /** Delete archived logs older than `days` (HIPAA: 7 years). */
  async purgeArchivedLogs(days: number): Promise<number> {
    return (await this.db.query('DELETE FROM audit_logs WHERE at < $1 AND archived = 1 RETURNING id', [Date.now() - days * DAY])).length;
  }
}
