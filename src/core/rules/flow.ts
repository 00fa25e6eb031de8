/**
 * The rules of workflow graphs (Scheduler.flow), written once (see claim.ts for how stores use them).
 *
 * A graph is jobs and edges. An edge goes from a dependency to its dependent, carries the dependent's
 * onDependencyFailure ('cancel' or 'run') and is `done` once the dependency no longer holds the dependent
 * back. A dependent's waitingFor counts its edges not done; a `blocked` job whose count reaches 0 becomes
 * `pending` (its nextRunAt as inserted: a node's delay counts from the flow's insertion).
 *
 * Every step below happens inside the store operation that changes the dependency, so a crash never leaves a
 * dependent waiting for a settle that already happened:
 *   - completed (a settle): each edge not done becomes done, and its dependent is counted down (released);
 *   - failed for good (a settle to 'failed'), cancelled (cancel(), not the settle of a run cancelled earlier)
 *     or removed (remove()): `cascade`. Each edge not done: a 'run' dependent is counted down as for a
 *     success (its ctx.results() carries the dependency's error); a 'cancel' dependent still blocked becomes
 *     cancelled, its lastError naming the dependency the failure started from (dependencyError), and its own
 *     dependents follow, transitively;
 *   - removed, after that cascade (`removed`): each edge still not done is done, its dependent counted down, so
 *     a removed dependency holds nothing back (the dependent's waitingFor matches the edges it has left);
 *   - triggered back from failed or cancelled (trigger(), requeueFailed()): `restore`. Each edge not done
 *     whose dependent was cancelled by a cascade (cancelled with a lastError: a blocked job never ran, so
 *     that error is the cascade's) makes it blocked again, its lastError cleared, and its own dependents
 *     follow, transitively. A repaired workflow resumes where it stopped.
 * A trigger of a blocked job leaves it waiting; a finished job that still waits (waitingFor > 0) is triggered
 * back to blocked, not pending.
 *
 * Retention (`heldBack`, rules/prune.ts): prune deletes only finished jobs, and never one that still holds back a
 * dependent that waits for it: an edge not done to a job `blocked`, or cancelled by a cascade (which a retry of
 * this job brings back to blocked). Deleting such a dependency would leave its dependent waiting for ever (a
 * blocked job is released only by its dependencies' settles) with nothing left to retry. Once the dependent
 * runs, is cancelled by hand, deleted or pruned itself, the dependency is pruned as usual, and (`pruned`) its
 * edges still not done stop holding their dependents back, as remove() does, so a dependent cancelled by hand
 * and triggered later runs, or waits for its other dependencies only.
 *
 * The cost of each step is the edges it walks: a dependency's own (an index seek on the dependency), plus
 * those of the jobs a cascade or restore reaches. Never a scan of the graph.
 */
import type { FlowInfo, FlowJob, JobRecord } from '../store.js';

/**
 * insertFlow: a node whose dedupe key a live job holds is that job (as insert() does). If the node has
 * dependents, the holder becomes their dependency: it gets a flow (its own, or the node's key) marked
 * `dependents`, so its settle walks its edges and keeps its result. Returns the flow to write, or null when the
 * holder already has it. updatedAt is left as it is.
 */
export function adoptedFlow(holder: Pick<JobRecord, 'flow'>, node: Pick<FlowJob, 'flow'>): FlowInfo | null {
  if (node.flow.dependents !== true || holder.flow?.dependents === true) return null;
  return { ...(holder.flow ?? { key: node.flow.key }), dependents: true };
}

/**
 * insertFlow, for a node marked `once` (FlowJob.once: ctx.flow's default dedupe key, derived from the run, the
 * sub-graph's index in it and the node's key): when no live job holds its key, the newest flow job carrying the
 * key, in any status, is that node. A run repeated after a crash between its sub-graph's insert and its settle
 * inserts the same sub-graph again: each node is then found, whatever it became (blocked, done, failed), and
 * nothing is added. Stores find it by one seek (SQLite and PostgreSQL: an index on the dedupe key of flow jobs;
 * Redis: P:flowkeys).
 *
 * A node inserted after a dependency that is such a job (one found while others of the sub-graph are gone:
 * pruned) does not wait for it if it already completed (`holdsBackAtInsert`): its edge is stored done.
 */
export function holdsBackAtInsert(parent: Pick<JobRecord, 'status'>): boolean {
  return parent.status !== 'completed';
}

/**
 * insertFlow's input check: every job runs after earlier jobs only (the core sorts the graph so). A store checks
 * it before writing anything, so a malformed call stores nothing. Returns what is wrong, or null.
 */
export function misordered(jobs: readonly Pick<FlowJob, 'after'>[]): string | null {
  for (const [i, job] of jobs.entries()) {
    for (const p of job.after) if (!Number.isInteger(p) || p < 0 || p >= i) return `job ${i} runs after position ${p}, not an earlier job`;
  }
  return null;
}

export interface Edge {
  child: string;
  /** The dependent's onDependencyFailure is 'run'. */
  run: boolean;
  done: boolean;
}

/** How a dependency stopped holding its dependents back without succeeding. */
export type DependencyEnd = 'failed' | 'cancelled' | 'removed';

/** The lastError of a job cancelled because `root` (a flow node) ended so. */
export function dependencyError(root: Pick<JobRecord, 'flow' | 'name'>, end: DependencyEnd): string {
  const key = root.flow?.key ?? root.name;
  return end === 'failed' ? `dependency "${key}" failed` : `dependency "${key}" was ${end}`;
}

/**
 * What the rules read and write of a job along the edges: a few fields, never the whole record (a fan-in's
 * dependent holds 10,000 dependencies in its flow.after; reading it at each of their settles would make the
 * graph quadratic). A job with an edge not done has never run (it was blocked ever since its insert), so its
 * lastErrorStack is null: the rules leave it alone.
 */
export type Node = Pick<JobRecord, 'id' | 'status' | 'waitingFor' | 'lastError'>;

/** What the rules need of a store's graph: its jobs and, for each job, its edges to its dependents. */
export interface Graph {
  get(id: string): Node | null;
  /** Write the node's status, waitingFor and lastError, and updatedAt = now. */
  put(node: Node, now: number): void;
  /** The edges from this job to its dependents (changed in place when marked done). */
  edgesFrom(id: string): Edge[];
  markDone(parent: string, edge: Edge): void;
}

/** The node as a dependency's success (or, for a 'run' dependent, its end) leaves it: counted down, released at 0. */
export function countedDown(child: Node): Node {
  const waitingFor = Math.max(0, child.waitingFor - 1);
  const release = child.status === 'blocked' && waitingFor === 0;
  return { ...child, waitingFor, status: release ? 'pending' : child.status };
}

/** A dependency completed: its dependents are counted down (and released at 0). */
export function completed(graph: Graph, parent: string, now: number): void {
  for (const edge of graph.edgesFrom(parent)) {
    if (edge.done) continue;
    graph.markDone(parent, edge);
    const child = graph.get(edge.child);
    if (child) graph.put(countedDown(child), now);
  }
}

/**
 * A dependency failed for good, was cancelled or removed: its dependents follow (see the file's comment).
 * `root` is the job the failure started from, named in the dependents' lastError. A worklist, not recursion:
 * a chain of 10,000 nodes must not overflow a stack (the order nodes are visited in changes nothing: each
 * node's policy is one for all its edges, and a count down is a count down whichever comes first).
 */
export function cascade(graph: Graph, parent: string, root: Pick<JobRecord, 'flow' | 'name'>, end: DependencyEnd, now: number): void {
  const todo = [parent];
  while (todo.length > 0) {
    const from = todo.pop()!;
    for (const edge of graph.edgesFrom(from)) {
      if (edge.done) continue;
      const child = graph.get(edge.child);
      if (!child) continue;
      if (edge.run) {
        graph.markDone(from, edge);
        graph.put(countedDown(child), now);
      } else if (child.status === 'blocked') {
        graph.put({ ...child, status: 'cancelled', lastError: dependencyError(root, end) }, now);
        todo.push(child.id);
      }
    }
  }
}

/**
 * A dependency is removed (remove()): its dependents follow as for a cancel (`cascade`, the removed job named
 * in their lastError), then each of its edges still not done stops holding its dependent back, as a success
 * would (`completed`: marked done, the dependent counted down), in the same store operation, before the job and
 * its edges are deleted. So a dependent's waitingFor keeps counting exactly its edges not done, for every later
 * reader (trigger, restore, prune's heldBack, the dashboard): a dependent triggered afterwards runs, or waits
 * for its other dependencies only, instead of being blocked for ever on an edge that no longer exists. After the
 * cascade such a dependent is never blocked (a 'cancel' dependent still blocked was just cancelled, a 'run' one's
 * edge is already done), so the count down changes its waitingFor (and updatedAt) only, never its status.
 */
export function removed(graph: Graph, parent: string, root: Pick<JobRecord, 'flow' | 'name'>, now: number): void {
  cascade(graph, parent, root, 'removed', now);
  completed(graph, parent, now);
}

/**
 * Retention deletes a finished flow job (prune, rules/prune.ts): each of its edges still not done stops holding its
 * dependent back (`completed`: marked done, the dependent counted down), in the prune's own store operation,
 * before the job and its edges are deleted. Without it a dependent cancelled by hand while it waited for this job
 * (no cascade error: `heldBack` lets the job go) keeps counting an edge that no longer exists, and triggered
 * later (a finished job that still waits goes back to blocked) it would wait for ever. `heldBack` guarantees no
 * such dependent is blocked (nor cancelled by a cascade), so only its waitingFor and updatedAt change, never its
 * status: the same count down as `removed`'s, without the cascade (a pruned job is finished: its failure or
 * cancel cascaded when it happened). A job without a flow has no edges: stores call this for flow jobs only.
 */
export function pruned(graph: Graph, id: string, now: number): void {
  completed(graph, id, now);
}

/** Whether a job was cancelled by a cascade (and so comes back when its dependency is retried). */
export function cancelledByDependency(job: Pick<JobRecord, 'status' | 'lastError' | 'waitingFor'>): boolean {
  return job.status === 'cancelled' && job.waitingFor > 0 && job.lastError !== null;
}

/** A dependency was triggered back from failed or cancelled: its cascade-cancelled dependents wait again. */
export function restore(graph: Graph, parent: string, now: number): void {
  const todo = [parent];
  while (todo.length > 0) {
    const from = todo.pop()!;
    for (const edge of graph.edgesFrom(from)) {
      if (edge.done) continue;
      const child = graph.get(edge.child);
      if (!child || !cancelledByDependency(child)) continue;
      graph.put({ ...child, status: 'blocked', lastError: null }, now);
      todo.push(child.id);
    }
  }
}

/** Whether a dependent still waits on its not-done edges: blocked, or cancelled by a cascade (restore brings it back). */
export function waitsOnEdges(child: Pick<JobRecord, 'status' | 'lastError' | 'waitingFor'>): boolean {
  return child.status === 'blocked' || cancelledByDependency(child);
}

/**
 * Whether prune must keep this finished job: it holds back a dependent that still waits (see the file's
 * comment). Walks this job's own edges (an index seek), stopping at the first one found.
 */
export function heldBack(graph: Pick<Graph, 'get' | 'edgesFrom'>, id: string): boolean {
  for (const edge of graph.edgesFrom(id)) {
    if (edge.done) continue;
    const child = graph.get(edge.child);
    if (child !== null && waitsOnEdges(child)) return true;
  }
  return false;
}
