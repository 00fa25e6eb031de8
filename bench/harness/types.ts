/**
 * The one way to run a contender. A contender is a module (bench/<store>/<name>.ts) whose default export is a
 * Driver; bench/contenders.ts lists them with their labels. The parent process prepares the namespace, fills
 * and enqueues through the driver; a child process (bench/harness/child.ts) loads only that module and runs
 * its worker, so each worker has a heap and an RSS of its own.
 */

export type StoreKind = 'sqlite' | 'postgres' | 'redis';
export type Role = 'ceiling' | 'hourglass' | 'peer';

/** What a contender is, without loading it (the list the parent and the table use). */
export interface Entry {
  /** Unique, stable: 'postgres/graphile-tuned'. Also the namespace stem. */
  id: string;
  store: StoreKind;
  role: Role;
  /** Library and version as shown: 'graphile-worker 0.17'. */
  contender: string;
  /** The settings this row ran with, as shown in the table. */
  config: string;
  /** The driver module, relative to bench/. */
  module: string;
  /** Passed to the driver: which of its configurations (a module may serve several rows). */
  variant: string;
}

/** Everything a driver needs to know about one run; sent to the child as JSON. */
export interface RunSpec {
  entry: Entry;
  /** Schema, key prefix or SQLite file of this run: unique per run, removed by cleanup(). */
  namespace: string;
  /** Jobs of the measured batch. */
  jobs: number;
  /** Handler slots (the workload's concurrency, 10 unless --concurrency). */
  concurrency: number;
  pgUrl: string;
  redisUrl: string;
  /** Directory of the SQLite files of this invocation. */
  dir: string;
  /** Groups mode: the measured batch's jobs spread round robin over this many groups (`group` job option). */
  groups?: number | null;
}

export interface LatencySeries {
  /** How the job reached the idle worker, e.g. 'other connection (NOTIFY)'. */
  mode: string;
  samples: number[];
}

/** Claim calls seen from outside the store (a wrapper around Store.claim / settleAndClaim). */
export interface ClaimTimes {
  /** Milliseconds per call, in call order. */
  ms: number[];
  /** Jobs each call returned. */
  jobs: number[];
}

/** A worker built in the child, connected but not yet processing. */
export interface WorkerHandle {
  /** Start processing and resolve when `jobs` jobs have finished. */
  process(jobs: number): Promise<void>;
  /** Enqueue→handler-start samples with idle workers (omitted by ceilings, which have no producer path). */
  latency?(samples: number): Promise<LatencySeries[]>;
  /** Claim timings of the process phase (hourglass only). */
  claims?(): ClaimTimes;
  /** Stop the workers and time `count` claims that find nothing due (backlog mode; hourglass only). */
  idleClaims?(count: number): Promise<number[]>;
  stop(): Promise<void>;
}

export interface Driver {
  /** Parent: create the namespace (schema, migrations, table) so that enqueue and the worker find it ready. */
  prepare(spec: RunSpec): Promise<void>;
  /** Parent, timed: bulk-enqueue `spec.jobs` no-op jobs due now, the library's fastest public way. */
  enqueue(spec: RunSpec): Promise<void>;
  /** Parent, backlog mode: add `count` pending jobs due in an hour, as fast as the store allows. */
  fill?(spec: RunSpec, count: number): Promise<void>;
  /**
   * Parent, backlog mode, after fill: bring the store to the steady state a long-lived one would be in, so the
   * measured run does not pay for the fill (statistics, vacuum, WAL checkpoint, AOF rewrite).
   */
  afterFill?(spec: RunSpec): Promise<string>;
  /** Child: build the worker (connected, idle). */
  worker(spec: RunSpec): Promise<WorkerHandle>;
  /** Parent: drop the schema, delete the keys or the file. */
  cleanup(spec: RunSpec): Promise<void>;
}
