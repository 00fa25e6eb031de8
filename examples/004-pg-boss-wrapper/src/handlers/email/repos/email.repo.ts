import type { Db } from '../../../core/db.js';

export class EmailRepository {
  constructor(private readonly db: Db) {}

  /** Mark every queued email sent (the mail transport is left out of the example). */
  async processPendingEmails(): Promise<number> {
    return (await this.db.query('UPDATE emails SET sent_at = $1 WHERE sent_at IS NULL RETURNING id', [Date.now()])).length;
  }

  async sendWelcome(userId: string): Promise<void> {
    await this.db.query('INSERT INTO emails (id, recipient, sent_at) VALUES ($1, $2, $3)', [Date.now() % 1_000_000_000, userId, Date.now()]);
  }
}
