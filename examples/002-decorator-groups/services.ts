/** The app's services that the job groups get injected: a fake database and mailer that record what they do. */
export interface User {
  id: number;
  email: string;
}
export interface Order {
  id: number;
  total: number;
}

export class Database {
  readonly users: User[] = [1, 2, 3].map((id) => ({ id, email: `user${id}@example.com` }));
  readonly orders: Order[] = [
    { id: 101, total: 20 },
    { id: 102, total: 35 },
  ];
  /** 250 records, read in pages (the seed's "millions"). */
  async getRecords(offset: number, size: number): Promise<{ id: number }[]> {
    return Array.from({ length: Math.max(0, Math.min(size, 250 - offset)) }, (_, i) => ({ id: offset + i }));
  }
  async getActiveUsers(): Promise<User[]> {
    return this.users;
  }
}

export class EmailService {
  readonly sent: string[] = [];
  async send(to: string, subject: string): Promise<void> {
    this.sent.push(`${to}: ${subject}`);
  }
}

export class OrderService {
  readonly processed: number[] = [];
  private failedOnce = false;
  constructor(private readonly db: Database) {}
  async findPending(): Promise<Order[]> {
    return this.db.orders.filter((o) => !this.processed.includes(o.id));
  }
  /** Order 102's payment gateway times out the first time: the job is retried. */
  async process(order: Order): Promise<void> {
    if (order.id === 102 && !this.failedOnce) {
      this.failedOnce = true;
      throw new Error('payment gateway timeout');
    }
    this.processed.push(order.id);
  }
}

/** The scheduler's distributed locks (scheduler.locks), injected where a job needs a critical section. */
export abstract class Locks {
  abstract acquire(name: string, owner: string, ttl: string | number): Promise<boolean>;
  abstract release(name: string, owner: string): Promise<boolean>;
}
