/**
 * Durable runs on SQLite (src/core/rules/steps.ts), each function inside the caller's transaction. The rules'
 * decisions (which event matches, which waiting job wakes) are taken by the rules' own functions on rows read in
 * that transaction: SQLite runs in this process, so that costs no round trip, and the write lock held makes the
 * read and the writes one atomic step.
 */
import type Database from 'better-sqlite3';
import {
  compareSteps,
  deliveredStep,
  EVENT_RETENTION_MS,
  firstMatch,
  waitVerdict,
} from '../../core/rules/steps.js';
import type { JobRecord, SentEvent, StepRecord, Suspension } from '../../core/store.js';
import type { Json } from '../../core/types.js';
import { parseId, toRecord, type JobRow } from './rows.js';
import { settleRows } from './settle.js';

type Prepare = (file: string) => Database.Statement;

export function loadSteps(stmt: Prepare, id: number): StepRecord[] {
  const rows = stmt('SELECT entry FROM hourglass_steps WHERE job_id = ?').all(id) as { entry: string }[];
  return rows.map((r) => JSON.parse(r.entry) as StepRecord).sort(compareSteps);
}

export function saveStep(stmt: Prepare, id: number, lockToken: string, step: StepRecord): boolean {
  return stmt('save-step.sql').run({ id, token: lockToken, key: step.key, entry: JSON.stringify(step) }).changes === 1;
}

export function clearSteps(stmt: Prepare, id: number, lockToken: string): boolean {
  const held = stmt("SELECT 1 FROM hourglass_jobs WHERE id = ? AND lock_token = ? AND status = 'running'").get(id, lockToken);
  if (!held) return false;
  stmt('DELETE FROM hourglass_steps WHERE job_id = ?').run(id);
  return true;
}

/** trigger() of a finished job (rules/steps.ts triggerStartsCycle), or every() reviving one (rules/insert.ts upsertStartsCycle), starts a new cycle: its entries go. */
export function clearCycle(stmt: Prepare, id: number): void {
  stmt('DELETE FROM hourglass_steps WHERE job_id = ?').run(id);
}

export function findEvent(stmt: Prepare, name: string, match: Record<string, Json> | undefined, since: number): SentEvent | null {
  const rows = stmt('find-events.sql').all({ name, since }) as { name: string; payload: string; sent_at: number }[];
  return firstMatch(
    rows.map((r) => ({ name: r.name, payload: JSON.parse(r.payload) as Json, sentAt: r.sent_at })),
    name,
    match,
    since,
  );
}

/** Store.suspend: settle.sql for the one run, then its entry (rules/steps.ts suspendedRecord). */
export function suspend(stmt: Prepare, s: Suspension): boolean {
  const id = parseId(s.id);
  if (id === null) return false;
  // Not held by this run: settle.sql writes nothing and answers whether this run's outcome was applied before
  // (a suspension resent after its answer was lost answers true); its entry is not written again either.
  const held = stmt("SELECT 1 FROM hourglass_jobs WHERE id = ? AND lock_token = ? AND status IN ('running', 'cancelled')").get(id, s.lockToken);
  const [applied] = settleRows(stmt, [s]);
  if (!applied || !held) return applied === true;
  const job = stmt('SELECT status FROM hourglass_jobs WHERE id = ?').get(id) as { status: string };
  if (job.status !== 'pending') return true;
  let step = s.step;
  if (step.kind === 'wait' && step.state === 'waiting') {
    const event = findEvent(stmt, step.event!, step.match, step.since ?? 0);
    if (event) {
      step = deliveredStep(step, event.payload, s.finishedAt);
      stmt('wake-waiting.sql').run({ id, now: s.finishedAt });
      // settle.sql wrote updated_at = finishedAt already; wake-waiting.sql writes the same.
    } else {
      stmt('INSERT OR REPLACE INTO hourglass_waits (event, job_id, key) VALUES (?, ?, ?)').run(step.event!, id, step.key);
    }
  }
  stmt('INSERT OR REPLACE INTO hourglass_steps (job_id, key, entry) VALUES (?, ?, ?)').run(id, step.key, JSON.stringify(step));
  return true;
}

/**
 * Store.pruneEvents: forget every event sent before `before` (hourglass_events_sent, migration 017). The index is
 * named: with statistics from a time of few names, SQLite would skip-scan hourglass_events_name instead, a seek
 * per name.
 */
export const PRUNE_EVENTS_SQL = 'DELETE FROM hourglass_events INDEXED BY hourglass_events_sent WHERE sent_at < ?';
export function pruneEvents(stmt: Prepare, before: number): number {
  return stmt(PRUNE_EVENTS_SQL).run(before).changes;
}

/** Store.sendEvent: store the event, forget old ones of its name, wake the matching waiting jobs. */
export function sendEvent(stmt: Prepare, name: string, payload: Json, now: number): number {
  stmt('DELETE FROM hourglass_events WHERE name = ? AND sent_at < ?').run(name, now - EVENT_RETENTION_MS);
  stmt('INSERT INTO hourglass_events (name, payload, sent_at) VALUES (?, ?, ?)').run(name, JSON.stringify(payload), now);
  const waits = stmt('SELECT job_id, key FROM hourglass_waits WHERE event = ?').all(name) as { job_id: number; key: string }[];
  let woken = 0;
  for (const wait of waits) {
    const row = stmt('SELECT * FROM hourglass_jobs WHERE id = ?').get(wait.job_id) as JobRow | undefined;
    const record: JobRecord | null = row ? toRecord(row) : null;
    const entry = stmt('SELECT entry FROM hourglass_steps WHERE job_id = ? AND key = ?').get(wait.job_id, wait.key) as { entry: string } | undefined;
    const step = entry ? (JSON.parse(entry.entry) as StepRecord) : undefined;
    const verdict = waitVerdict(record, step, name, payload);
    if (verdict === 'keep') continue;
    stmt('DELETE FROM hourglass_waits WHERE event = ? AND job_id = ?').run(name, wait.job_id);
    if (verdict === 'drop') continue;
    stmt('UPDATE hourglass_steps SET entry = ? WHERE job_id = ? AND key = ?').run(JSON.stringify(deliveredStep(step!, payload, now)), wait.job_id, wait.key);
    stmt('wake-waiting.sql').run({ id: wait.job_id, now });
    woken++;
  }
  return woken;
}
