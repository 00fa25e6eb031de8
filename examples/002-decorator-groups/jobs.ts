/** The job groups of seed 002: decorated classes whose dependencies come from the container. */
import { cron, daily, hourly, itemJobName, job, query } from 'hourglass-jobs/decorators';
import type { HandlerContext } from 'hourglass-jobs';
import type { Database, EmailService, Locks, Order, OrderService, User } from './services.js';

@cron('user-jobs')
export class UserJobs {
  constructor(
    private readonly db: Database,
    private readonly email: EmailService,
  ) {}

  // The query lists the users; each becomes a durable job that the paired @job handles.
  @query('send-notifications')
  async getUsersToNotify() {
    return this.db.getActiveUsers();
  }

  @job('send-notifications', '0 9 * * *', { retries: 2 }) // daily at 9 AM
  async sendNotification(user: User) {
    await this.email.send(user.email, 'Daily Update');
  }
}

@cron('orders')
export class OrderJobs {
  constructor(private readonly orders: OrderService) {}

  @query('process-pending')
  async getPendingOrders() {
    return this.orders.findPending();
  }

  // retries: 3 → 4 attempts, 100 ms apart (the seed's `timeout` is the wait between retries).
  @job('process-pending', '*/10 * * * *', { retries: 3, timeout: '100ms', maxComputeTime: '10m' })
  async processOrder(order: Order, ctx: HandlerContext) {
    ctx.logger.info('processing order', { order: order.id, attempt: ctx.attempt });
    await this.orders.process(order);
  }
}

@cron('big-data')
export class BigDataJobs {
  constructor(private readonly db: Database) {}

  // An async generator: one batch in memory at a time, each stored before the next is read.
  @query('process-millions')
  async *getRecords() {
    for (let offset = 0; ; offset += 100) {
      const batch = await this.db.getRecords(offset, 100);
      if (batch.length === 0) return;
      yield batch;
    }
  }

  @job('process-millions', '0 3 * * *', { maxComputeTime: '6h' })
  async processRecord(record: { id: number }) {
    return { id: record.id, ok: true };
  }
}

@cron('maintenance')
export class MaintenanceJobs {
  constructor(private readonly locks: Locks) {}

  // A distributed lock around a critical section: one holder at a time, in every process sharing the store.
  @daily('cleanup')
  async cleanup(ctx: HandlerContext) {
    const owner = `${ctx.jobId}:${ctx.attempt}`;
    if (!(await this.locks.acquire('critical-job', owner, '10m'))) return { skipped: 'critical-job is locked' };
    try {
      return { cleaned: true };
    } finally {
      await this.locks.release('critical-job', owner);
    }
  }

  // Monitoring: how many notification items wait.
  @hourly('check-queues')
  async checkQueues(ctx: HandlerContext) {
    return { waiting: await ctx.scheduler.queueSize(itemJobName('send-notifications')) };
  }
}
