/**
 * Insert, inside the caller's write transaction, job by job in order (a later job sees an earlier one).
 *
 * A dedupe key taken by another job (live, or within its dedupeFor period: rules/dedupe.ts) wins over everything: that holder comes back unchanged (created
 * false), even when the new job's repeat key names an existing repeating job, which is then left alone too
 * (updating it would give the key a second live holder). Otherwise a repeat key upserts its job
 * (upsert-repeat.sql; a finished one revived starts a new cycle without its durable entries), and anything
 * else is a new row. With `replace` (rules/dedupe.ts), a pending holder takes
 * the new data, due time and priority (replace.sql), and a running one gets the new row queued behind it.
 */
import type Database from 'better-sqlite3';
import { dedupeUntilOf } from '../../core/rules/dedupe.js';
import { decideInsert, upsertStartsCycle } from '../../core/rules/insert.js';
import type { InsertResult, NewJob } from '../../core/store.js';
import { jsonText, toRecord, type JobRow } from './rows.js';
import { clearCycle } from './steps.js';

type Prepare = (file: string) => Database.Statement;

export function insertRows(stmt: Prepare, jobs: NewJob[], now: number): InsertResult[] {
  return jobs.map((job) => {
    if (job.dedupeKey !== null) {
      const holder = stmt('find-dedupe.sql').get({ dedupe_key: job.dedupeKey, now }) as JobRow | undefined;
      // The repeating job holding its own key is no conflict: it is updated below.
      if (holder && (job.repeatKey === null || holder.repeat_key !== job.repeatKey)) {
        const decision = decideInsert(job, null, toRecord(holder));
        if (decision.kind === 'replace') {
          const replaced = stmt('replace.sql').get({
            id: holder.id,
            data: JSON.stringify(job.data ?? null),
            priority: job.priority,
            next_run_at: job.nextRunAt,
            due_at: job.dueAt,
            now,
          }) as JobRow;
          return { job: toRecord(replaced), created: false };
        }
        // 'insert': queued behind the running holder (a new row below); else the holder comes back unchanged.
        if (decision.kind !== 'insert') return { job: toRecord(holder), created: false };
      }
    }
    const params = {
      name: job.name,
      data: JSON.stringify(job.data ?? null),
      priority: job.priority,
      max_attempts: job.maxAttempts,
      backoff: jsonText(job.backoff),
      timeout_ms: job.timeoutMs,
      repeat: jsonText(job.repeat),
      repeat_key: job.repeatKey,
      dedupe_key: job.dedupeKey,
      dedupe_until: dedupeUntilOf(job, now),
      label: job.label ?? null,
      trace: job.trace ?? null,
      job_group: job.group ?? null,
      due_at: job.dueAt,
      next_run_at: job.nextRunAt,
      now,
    };
    if (job.repeatKey !== null) {
      // A finished job revived by the upsert starts a new cycle: its entries go first, in this transaction, as
      // trigger() deletes them (rules/insert.ts upsertStartsCycle); a pending or running one keeps them.
      const holder = stmt('find-repeat.sql').get({ repeat_key: job.repeatKey }) as Pick<JobRow, 'id' | 'status'> | undefined;
      if (holder && upsertStartsCycle(holder)) clearCycle(stmt, holder.id);
      const updated = stmt('upsert-repeat.sql').get(params) as JobRow | undefined;
      if (updated) return { job: toRecord(updated), created: false };
    }
    return { job: toRecord(stmt('insert.sql').get(params) as JobRow), created: true };
  });
}
