import type { Logger } from 'hourglass-jobs';
import type { Db } from '../../../core/db.js';

export class NotificationRepository {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  async cleanupExpiredNotifications(days: number): Promise<number> {
    const rows = await this.db.query('DELETE FROM notifications WHERE created_at < $1 RETURNING id', [Date.now() - days * 86_400_000]);
    this.logger.debug('expired notifications deleted', { count: rows.length });
    return rows.length;
  }
}
