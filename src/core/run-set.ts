/**
 * The runs a worker holds, by job id: get, set (a newer run of an id replaces the older), delete and a copy of
 * the values, as a Map would give them.
 *
 * Not a Map, for the garbage collector's sake. A worker's set lives as long as the process, so its storage sits
 * in V8's old generation, while the runs going through it are young. A Map that keeps adding and deleting
 * entries rehashes into a new table every few hundred insertions and leaves the obsolete table (old, dead)
 * still pointing at the runs it held; the young-generation collector treats every such pointer from the old
 * generation as live until the next full collection. The runs survive, get promoted, and what they point to
 * (their job, its settlement) follows them: a SQLite worker of 40,000 no-op jobs promoted about 480 bytes a job
 * to the old generation, and V8 then began allocating some of the run path's objects there directly
 * (allocation-site pretenuring, which it decides from those survival rates). A plain object reuses its
 * dictionary's deleted slots instead (measured: ~480 → ~200 bytes a job, and on the null store, with the run's
 * handler call switched off, ~220 → 0; docs/performance.md "What reached the old generation").
 */
import type { JobRun } from './job-run.js';

export class RunSet {
  private byId: Record<string, JobRun> = Object.create(null) as Record<string, JobRun>;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: string): JobRun | undefined {
    return this.byId[id];
  }

  set(id: string, run: JobRun): void {
    if (this.byId[id] === undefined) this.count++;
    this.byId[id] = run;
  }

  delete(id: string): void {
    if (this.byId[id] === undefined) return;
    delete this.byId[id];
    this.count--;
  }

  /** The runs held now (a copy: the caller may change the set while it goes through them). */
  values(): JobRun[] {
    return this.count === 0 ? [] : Object.values(this.byId);
  }
}
