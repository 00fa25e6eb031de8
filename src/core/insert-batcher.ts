/**
 * Follow-up jobs (DefineOptions.then, ctx.followUp, webhook deliveries) of the runs that end in the same turn,
 * inserted in one store operation: with webhooks on every job has one, and an insert round trip per run would
 * sit in front of each settle. Each caller learns whether its own jobs went in (they all share the outcome of
 * the one insert) and retries on its own; stores dedupe within one insert, so batching never doubles a job.
 */
import type { NewJob } from './store.js';

interface Waiting {
  jobs: NewJob[];
  resolve(): void;
  reject(error: unknown): void;
}

export class InsertBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly insert: (jobs: NewJob[]) => Promise<unknown>) {}

  add(jobs: NewJob[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ jobs, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.waiting.splice(0);
    try {
      await this.insert(batch.length === 1 ? batch[0]!.jobs : batch.flatMap((w) => w.jobs));
      for (const w of batch) w.resolve();
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
