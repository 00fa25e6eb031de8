/**
 * Workflow graphs on PostgreSQL (rules/flow.ts). insertFlow is one transaction: the holders of the graph's
 * dedupe keys, ids drawn for the new jobs, then every job and every edge in one statement each (a graph of
 * 10,000 nodes is a handful of round trips). What happens along the edges afterwards is functions/flow.sql,
 * called by settle.sql inside its statement and, for cancel, trigger and remove, inside their transaction.
 */
import { StoreError } from '../../core/errors.js';
import { adoptedFlow, dependencyError, holdsBackAtInsert, misordered, type DependencyEnd } from '../../core/rules/flow.js';
import type { FlowJob, InsertResult, JobRecord } from '../../core/store.js';
import { isDedupeRace, isPrunedDependencyRace } from './errors.js';
import { jsonParam, toRecord, type JobRow } from './rows.js';
import type { PostgresStore, Queryable } from './store.js';

const MAX_ROUNDS = 5;

export async function insertFlow(store: PostgresStore, jobs: FlowJob[], now: number): Promise<InsertResult[]> {
  const wrong = misordered(jobs);
  if (wrong !== null) throw new StoreError(`postgres insertFlow failed: ${wrong}`);
  for (let round = 1; ; round++) {
    try {
      return await store.transaction((client) => insertGraph(store, jobs, now, client));
    } catch (error) {
      // A holder of a dedupe key committed meanwhile, or a once node found by its key was deleted by retention
      // meanwhile: the next round sees either.
      if (round >= MAX_ROUNDS || !(isDedupeRace(error) || isPrunedDependencyRace(error))) throw error;
    }
  }
}

async function insertGraph(store: PostgresStore, jobs: FlowJob[], now: number, client: Queryable): Promise<InsertResult[]> {
  const keys = [...new Set(jobs.flatMap((job) => (job.dedupeKey !== null ? [job.dedupeKey] : [])))];
  const holders = new Map<string, JobRecord>();
  if (keys.length > 0) for (const row of await store.run<JobRow>('flow-holders', [keys], client)) holders.set((row.dedupe_key ?? row.dedupe_waiting)!, toRecord(row));
  // A once node is, failing a live holder, the newest flow job carrying its key (rules/flow.ts).
  const onceKeys = [...new Set(jobs.flatMap((job) => (job.once === true && job.dedupeKey !== null && !holders.has(job.dedupeKey) ? [job.dedupeKey] : [])))];
  if (onceKeys.length > 0) for (const row of await store.run<JobRow>('flow-once-holders', [onceKeys], client)) holders.set(row.dedupe_key!, toRecord(row));
  // Which nodes are new: a node whose key a live job (stored, or an earlier node) holds is that job.
  const taken = new Map<string, number>();
  const fresh = jobs.map((job, i) => {
    if (job.dedupeKey === null) return true;
    if (holders.has(job.dedupeKey) || taken.has(job.dedupeKey)) return false;
    taken.set(job.dedupeKey, i);
    return true;
  });
  const count = fresh.filter(Boolean).length;
  const ids = count === 0 ? [] : (await store.run<{ id: string }>('flow-ids', [count], client)).map((r) => r.id);
  const idOf: string[] = [];
  const rows: object[] = [];
  const edges = { parents: [] as string[], children: [] as string[], run: [] as boolean[], done: [] as boolean[] };
  // Each node's job status where it is a stored job found by its key (a new node is pending or blocked).
  const foundStatus: (JobRecord['status'] | undefined)[] = [];
  // Flows a dedupe holder takes on (rules/flow.ts adoptedFlow), by id, and each deduped node's view of it.
  const adopted = new Map<string, JobRecord['flow']>();
  const seen: (JobRecord['flow'] | undefined)[] = [];
  let next = 0;
  for (const [i, job] of jobs.entries()) {
    if (!fresh[i]) {
      const holder = holders.get(job.dedupeKey!);
      const id = holder ? holder.id : idOf[taken.get(job.dedupeKey!)!]!;
      idOf.push(id);
      foundStatus[i] = holder?.status;
      const current = adopted.has(id) ? adopted.get(id)! : holder ? holder.flow : jobs[taken.get(job.dedupeKey!)!]!.flow;
      const flow = adoptedFlow({ flow: current }, job);
      if (flow !== null) adopted.set(id, flow);
      seen[i] = flow ?? current;
      continue;
    }
    const id = ids[next++]!;
    idOf.push(id);
    const parents = [...new Set(job.after.map((p) => idOf[p]!))];
    // A dependency found by its once key may have completed already (rules/flow.ts holdsBackAtInsert).
    const waiting = new Set(job.after.filter((p) => foundStatus[p] === undefined || holdsBackAtInsert({ status: foundStatus[p]! })).map((p) => idOf[p]!));
    for (const parent of parents) {
      edges.parents.push(parent);
      edges.children.push(id);
      edges.run.push(job.flow.onDependencyFailure === 'run');
      edges.done.push(!waiting.has(parent));
    }
    rows.push({ job, id, parents, after: job.after, waiting: waiting.size });
  }
  const payload = (rows as { job: FlowJob; id: string; parents: string[]; after: number[]; waiting: number }[]).map(({ job, id, after, waiting }) => ({
    id,
    name: job.name,
    data: jsonParam(job.data),
    status: waiting > 0 ? 'blocked' : 'pending',
    priority: job.priority,
    max_attempts: job.maxAttempts,
    backoff: job.backoff,
    timeout_ms: job.timeoutMs,
    repeat: job.repeat,
    dedupe_key: job.dedupeKey,
    label: job.label ?? null,
    trace: job.trace ?? null,
    grp: job.group ?? null,
    due_at: job.dueAt,
    next_run_at: job.nextRunAt,
    flow: JSON.stringify(after.length === 0 ? job.flow : { ...job.flow, after: Object.fromEntries(after.map((p) => [jobs[p]!.flow.key, idOf[p]!])) }),
    waiting_for: waiting,
  }));
  const inserted = new Map<string, JobRecord>();
  if (payload.length > 0) for (const row of await store.run<JobRow>('flow-insert', [JSON.stringify(payload), now], client)) inserted.set(String(row.id), toRecord(row));
  if (edges.parents.length > 0) await store.run('flow-edges', [edges.parents, edges.children, edges.run, edges.done], client);
  for (const [id, flow] of adopted) await store.run('flow-adopt', [id, JSON.stringify(flow)], client);
  if (inserted.size > 0) await client.query('SELECT pg_notify($1, $2)', [store.notifyChannel, 'insert']);
  return jobs.map((job, i): InsertResult => {
    const id = idOf[i]!;
    if (fresh[i]) return { job: inserted.get(id)!, created: true };
    const base = holders.get(job.dedupeKey!) ?? inserted.get(id);
    if (!base) throw new StoreError(`postgres insertFlow: job ${id} of node "${job.flow.key}" missing after its insert`);
    return { job: { ...base, flow: seen[i] ?? null }, created: false };
  });
}

/** cancel() and remove(): the job's dependents follow, in the caller's transaction. */
export async function cascadeFrom(store: PostgresStore, job: JobRecord, end: DependencyEnd, now: number, client: Queryable): Promise<void> {
  if (job.flow !== null) await store.run('flow-cascade', [job.id, dependencyError(job, end), now, store.notifyChannel], client);
}

/** remove(), after cascadeFrom: the job no longer holds back the dependents left waiting (rules/flow.ts removed). */
export async function releaseRemoved(store: PostgresStore, job: JobRecord, now: number, client: Queryable): Promise<void> {
  if (job.flow !== null) await store.run('flow-removed', [job.id, now, store.notifyChannel], client);
}

/** trigger(): the job's cascade-cancelled dependents wait again, in the caller's transaction. */
export async function restoreFrom(store: PostgresStore, job: JobRecord, now: number, client: Queryable): Promise<void> {
  if (job.flow !== null) await store.run('flow-restore', [job.id, now], client);
}
