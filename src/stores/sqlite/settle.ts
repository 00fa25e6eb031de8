/**
 * Settle, inside the caller's write transaction: each outcome guarded by its lock token (settle.sql), with its
 * history record. A job cancelled while it ran stays cancelled, and its record says so. A settle resent after
 * its answer was lost answers true again and writes nothing (settled-before.sql).
 *
 * A batch is one UPDATE and one INSERT (JSON arrays in, rows out as arrays): a statement per job cost as much
 * in binding and stepping as its row's writes. Two kinds of entries are settled on their own instead, in the
 * batch's order: workflow nodes, each with its dependents (flow.ts) before the next, and jobs the batch names
 * more than once. The order between those and the rest does not matter: a node's dependents are nodes, and
 * a job's settle reads and writes that job alone.
 */
import type Database from 'better-sqlite3';
import type { FlowInfo, Settlement } from '../../core/store.js';
import { afterSettle } from './flow.js';
import type { JobStatus } from '../../core/types.js';
import { jsonText, parseId } from './rows.js';

type Prepare = (file: string) => Database.Statement;
type Applied = [id: number, status: JobStatus, name: string, flow: string | null];
type HistoryArgs = [number, string, number, number, number, string | null, string | null, string | null, string];

/** settle.sql's @batch entry for one settlement (the order its SELECT reads). */
function settleArgs(s: Settlement): unknown[] {
  return [
    parseId(s.id), s.lockToken, s.status, s.nextRunAt ?? null, s.dueAt ?? null, s.attempts ?? null, s.maxAttempts ?? null,
    s.result !== undefined ? 1 : 0, jsonText(s.result),
    s.lastError !== undefined ? 1 : 0, s.lastError ?? null,
    s.lastErrorStack !== undefined ? 1 : 0, s.lastErrorStack ?? null,
    s.finishedAt,
  ];
}

function apply(stmt: Prepare, batch: unknown[][], flows: boolean): Applied[] {
  return stmt('settle.sql').raw(true).all({ batch: JSON.stringify(batch), flows: flows ? 1 : 0 }) as Applied[];
}

export function settleRows(stmt: Prepare, settlements: Settlement[]): boolean[] {
  if (settlements.length === 0) return [];
  const args = settlements.map(settleArgs);
  // Every job named once in the batch and outside a workflow, at once, keyed by id. A job named more than once
  // (a settle resent beside its first sending, or beside a later run's) is settled one by one in order below,
  // as the rules take a batch: each answer then reads the job as the entries before it left it (an
  // UPDATE … FROM would apply either entry, and a resent one would see the later run's settled token).
  const named = new Map<unknown, number>();
  for (const a of args) named.set(a[0], (named.get(a[0]) ?? 0) + 1);
  const applied = new Map<unknown, Applied>();
  for (const row of apply(stmt, args.filter((a) => named.get(a[0]) === 1), false)) applied.set(row[0], row);
  const history: HistoryArgs[] = [];
  const answers = settlements.map((s, i) => {
    let row = applied.get(args[i]![0]);
    if (!row) {
      // Not applied above: a workflow node (settled now, in order), a job named twice, or a settle that does not
      // apply (then perhaps resent: settled-before.sql).
      row = apply(stmt, [args[i]!], true)[0];
      if (!row) return stmt('settled-before.sql').get({ id: args[i]![0], token: s.lockToken }) !== undefined;
      const [id, status, name, flow] = row;
      // A run cancelled meanwhile already took its dependents along at cancel().
      if (flow !== null) {
        flushHistory(stmt, history);
        afterSettle(stmt, { id: String(id), name, flow: JSON.parse(flow) as FlowInfo }, status, s.finishedAt);
      }
    }
    const h = s.history;
    if (h) {
      history.push([
        row[0], row[1] === 'cancelled' ? 'cancelled' : h.status, h.attempt, h.startedAt, h.completedAt,
        h.error, h.stack ?? null, jsonText(h.result), h.workerId,
      ]);
    }
    return true;
  });
  flushHistory(stmt, history);
  return answers;
}

/** Writes the history records gathered so far, in order, and empties the list. */
function flushHistory(stmt: Prepare, history: HistoryArgs[]): void {
  if (history.length === 0) return;
  stmt('insert-history.sql').run({ batch: JSON.stringify(history) });
  history.length = 0;
}
