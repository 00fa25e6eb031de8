/**
 * Settle, inside the caller's write transaction: each outcome guarded by its lock token (settle.sql), with its
 * history record. A job cancelled while it ran stays cancelled, and its record says so. A settle resent after
 * its answer was lost answers true again and writes nothing (settled-before.sql).
 */
import type Database from 'better-sqlite3';
import type { FlowInfo, Settlement } from '../../core/store.js';
import { afterSettle } from './flow.js';
import type { JobStatus } from '../../core/types.js';
import { jsonText, parseId } from './rows.js';

type Prepare = (file: string) => Database.Statement;

export function settleRows(stmt: Prepare, settlements: Settlement[]): boolean[] {
  return settlements.map((s) => {
    const id = parseId(s.id);
    // Raw mode: the three columns RETURNING gives, as an array (cheaper than a row object, once per job).
    const row = stmt('settle.sql').raw(true).get({
      id,
      token: s.lockToken,
      status: s.status,
      next_run_at: s.nextRunAt ?? null,
      due_at: s.dueAt ?? null,
      attempts: s.attempts ?? null,
      max_attempts: s.maxAttempts ?? null,
      set_result: s.result !== undefined ? 1 : 0,
      result: jsonText(s.result),
      set_error: s.lastError !== undefined ? 1 : 0,
      last_error: s.lastError ?? null,
      set_stack: s.lastErrorStack !== undefined ? 1 : 0,
      last_error_stack: s.lastErrorStack ?? null,
      finished_at: s.finishedAt,
    }) as [status: JobStatus, name: string, flow: string | null] | undefined;
    if (!row) return stmt('settled-before.sql').get({ id, token: s.lockToken }) !== undefined;
    // A workflow node's dependents follow in this same transaction (flow.ts); a run cancelled meanwhile
    // already took them along at cancel().
    const [status, name, flow] = row;
    if (flow !== null) afterSettle(stmt, { id: String(id), name, flow: JSON.parse(flow) as FlowInfo }, status, s.finishedAt);
    const h = s.history;
    if (h) {
      stmt('insert-history.sql').run({
        job_id: id,
        status: status === 'cancelled' ? 'cancelled' : h.status,
        attempt: h.attempt,
        started_at: h.startedAt,
        completed_at: h.completedAt,
        error: h.error,
        stack: h.stack ?? null,
        result: jsonText(h.result),
        worker_id: h.workerId,
      });
    }
    return true;
  });
}
