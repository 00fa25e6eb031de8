/**
 * Workflow graphs on SQLite (rules/flow.ts), inside the caller's write transaction: the rules themselves run
 * here, over a Graph made of four small statements in sql/ (a node's few fields by id and their update,
 * node-get and node-put; a job's edges by a seek on hourglass_edges' primary key and an edge's end, edges-from
 * and edge-done), so SQLite applies exactly what the model does.
 */
import type Database from 'better-sqlite3';
import { adoptedFlow, cascade, completed, holdsBackAtInsert, misordered, pruned, removed, restore, type DependencyEnd, type Edge, type Graph, type Node } from '../../core/rules/flow.js';
import type { FlowJob, InsertResult, JobRecord } from '../../core/store.js';
import type { JobStatus } from '../../core/types.js';
import { jobParams } from './insert.js';
import { toRecord, type JobRow } from './rows.js';

type Prepare = (file: string) => Database.Statement;

export function graphOf(stmt: Prepare): Graph {
  return {
    get(id) {
      const row = stmt('node-get.sql').get(Number(id)) as
        | { id: number; status: JobStatus; waiting_for: number; last_error: string | null }
        | undefined;
      return row ? { id: String(row.id), status: row.status, waitingFor: row.waiting_for, lastError: row.last_error } : null;
    },
    put(node: Node, now: number) {
      stmt('node-put.sql').run({ id: Number(node.id), status: node.status, waiting_for: node.waitingFor, last_error: node.lastError, now });
    },
    edgesFrom(id) {
      const rows = stmt('edges-from.sql').all(Number(id)) as { child_id: number; run: number; done: number }[];
      return rows.map((r): Edge => ({ child: String(r.child_id), run: r.run === 1, done: r.done === 1 }));
    },
    markDone(parent, edge) {
      stmt('edge-done.sql').run(Number(parent), Number(edge.child));
      edge.done = true;
    },
  };
}

/** A settled job's dependents (only a flow node has any): released on success, cascaded on a final failure. */
export function afterSettle(stmt: Prepare, job: Pick<JobRecord, 'id' | 'name' | 'flow'>, status: JobStatus, now: number): void {
  if (status === 'completed') completed(graphOf(stmt), job.id, now);
  else if (status === 'failed') cascade(graphOf(stmt), job.id, job, 'failed', now);
}

export function afterEnd(stmt: Prepare, job: JobRecord, end: DependencyEnd, now: number): void {
  if (job.flow === null) return;
  // A removed job also stops holding back the dependents it cascaded (rules/flow.ts removed).
  if (end === 'removed') removed(graphOf(stmt), job.id, job, now);
  else cascade(graphOf(stmt), job.id, job, end, now);
}

/** prune(), before a finished flow job is deleted: its dependents left stop counting it (rules/flow.ts pruned). */
export function afterPrune(stmt: Prepare, id: string, now: number): void {
  pruned(graphOf(stmt), id, now);
}

export function afterTrigger(stmt: Prepare, job: JobRecord, now: number): void {
  if (job.flow !== null) restore(graphOf(stmt), job.id, now);
}

/** Store.insertFlow, in the caller's write transaction. */
export function insertFlowRows(stmt: Prepare, jobs: FlowJob[], now: number): InsertResult[] {
  const wrong = misordered(jobs);
  if (wrong !== null) throw new Error(wrong);
  const results: InsertResult[] = [];
  for (const job of jobs) {
    if (job.dedupeKey !== null) {
      // A once node is, failing a live holder, the newest flow job carrying its key (rules/flow.ts).
      const holder = (stmt('find-dedupe-live.sql').get({ dedupe_key: job.dedupeKey }) ??
        (job.once === true ? stmt('find-flow-key.sql').get({ dedupe_key: job.dedupeKey }) : undefined)) as JobRow | undefined;
      if (holder) {
        const record = toRecord(holder);
        const flow = adoptedFlow(record, job);
        if (flow !== null) stmt('adopt-node.sql').run(JSON.stringify(flow), holder.id);
        results.push({ job: flow !== null ? { ...record, flow } : record, created: false });
        continue;
      }
    }
    // Two dependencies may be one job (both deduped to it): one edge each distinct job.
    const parents = [...new Set(job.after.map((i) => results[i]!.job.id))];
    // A dependency found by its once key may have completed already (rules/flow.ts holdsBackAtInsert).
    const waiting = new Set(job.after.filter((i) => holdsBackAtInsert(results[i]!.job)).map((i) => results[i]!.job.id));
    const flow = job.after.length === 0 ? job.flow : { ...job.flow, after: Object.fromEntries(job.after.map((i) => [jobs[i]!.flow.key, results[i]!.job.id])) };
    const row = stmt('insert-node.sql').get({
      ...jobParams(job, now),
      status: waiting.size > 0 ? 'blocked' : 'pending',
      flow: JSON.stringify(flow),
      waiting_for: waiting.size,
    }) as JobRow;
    const edge = stmt('insert-edge.sql');
    for (const parent of parents) edge.run(Number(parent), row.id, job.flow.onDependencyFailure === 'run' ? 1 : 0, waiting.has(parent) ? 0 : 1);
    results.push({ job: toRecord(row), created: true });
  }
  return results;
}
