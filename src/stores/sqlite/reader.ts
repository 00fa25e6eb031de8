/**
 * The SQLite store's reads whose cost grows with the table: counting jobs (every entry of a status's index) and
 * listing them in an order no index serves or through a text search (a walk or a sort of the table). better-sqlite3
 * is synchronous, so on the store's own connection such a read holds the event loop for its whole length: at a
 * million jobs, 95 ms a countJobs(), and the dashboard's overview counts once in all and once per name every
 * 2 s; no claim, settle, heartbeat or request of the process moves meanwhile. Here they run on a worker thread
 * with a read-only connection of its own (reader-thread.mjs). WAL lets it read beside the writer without waiting,
 * and a read starts from the last committed transaction: the store's writes commit before their promise
 * resolves, so a read after a write sees it, as on the store's connection.
 *
 * The thread starts with the first read and stops with close(). It holds the process open only while a read is
 * in flight: an idle store's thread never keeps a finished program from exiting, and a read awaited by the
 * program's last line still arrives.
 *
 * Checkpoints. In WAL mode SQLite copies the log back into the database (a checkpoint) in the commit that takes
 * the log past `wal_autocheckpoint` pages (1,000 by default): for a busy worker that was one commit in ~20, held
 * 13-15 ms on the event loop by the copy and two fsyncs, about half of all its commits' time. Once a store writes
 * steadily (store.ts), checkpoint() has this thread watch the log, and while it grows fast run PASSIVE
 * checkpoints on a connection of its own instead (PASSIVE: it never waits for, nor blocks, the writer or
 * readers); meanwhile the store raises its own connection's threshold to a backstop that bounds the log should
 * the thread fall behind or die. Under a light load the commits checkpoint as SQLite does by default (see
 * reader-thread.mjs for why).
 */
import { Worker } from 'node:worker_threads';
import { resolve } from 'node:path';

interface Waiting {
  resolve: (rows: unknown[]) => void;
  reject: (error: Error) => void;
}

type Reply =
  | { id: number; rows: unknown[] }
  | { id: number; error: { message: string; code: string | null } }
  | { checkpointError: { message: string; code: string | null } }
  | { checkpointsHere: boolean };

/** What the store hears about the thread's checkpoints (see checkpoint()). */
export interface CheckpointEvents {
  /** The thread took over the checkpoints (true: the log grows fast) or handed them back (false). */
  moved(here: boolean): void;
  failed(error: Error): void;
}

/** One thread and the reads it holds (a thread that died fails its own reads, never a successor's). */
interface Thread {
  worker: Worker;
  waiting: Map<number, Waiting>;
  checkpointing: boolean;
  /** The thread said it checkpoints now (the log grows fast). */
  checkpointsHere: boolean;
}

export class Reader {
  private thread: Thread | null = null;
  private nextId = 1;
  private readonly path: string;
  private events: CheckpointEvents | null = null;

  constructor(
    path: string,
    private readonly busyTimeoutMs: number,
    private readonly cacheKb: number,
  ) {
    // The thread shares the process's working directory, but a chdir() between two starts would move a relative path.
    this.path = resolve(path);
  }

  /** The rows of one statement, read on the thread; a driver error rejects with an Error carrying its `code`. */
  all(sql: string, params: Record<string, unknown>): Promise<unknown[]> {
    const thread = this.thread ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (thread.waiting.size === 0) thread.worker.ref();
      thread.waiting.set(id, { resolve, reject });
      thread.worker.postMessage({ id, sql, params });
    });
  }

  /**
   * Has the thread watch the log every `everyMs` and checkpoint while it grows fast (started with the thread, if
   * it is not running): see "Checkpoints" above. Asking again is free; a thread that died and was replaced is
   * asked again by the next call (and its death reported as handing the checkpoints back). A failure is reported
   * once per kind.
   */
  checkpoint(everyMs: number, synchronous: 'FULL' | 'NORMAL', events: CheckpointEvents): void {
    this.events = events;
    const thread = this.thread ?? this.start();
    if (thread.checkpointing) return;
    thread.checkpointing = true;
    thread.worker.postMessage({ checkpointEveryMs: everyMs, synchronous });
  }

  /** Stops the thread; reads still in flight reject. */
  async close(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    this.thread = null;
    failAll(thread, new Error('the store was closed before this read finished'));
    await thread.worker.terminate();
  }

  private start(): Thread {
    const worker = new Worker(new URL('./reader-thread.mjs', import.meta.url), {
      workerData: { path: this.path, busyTimeoutMs: this.busyTimeoutMs, cacheKb: this.cacheKb },
      // Not the process's flags: the thread is plain JavaScript and needs none, and some refuse a thread (a program
      // run with `node --input-type=module -e` made every read fail) or cost its start (a loader such as tsx).
      execArgv: [],
    });
    const thread: Thread = { worker, waiting: new Map(), checkpointing: false, checkpointsHere: false };
    worker.on('message', (reply: Reply) => {
      if ('checkpointError' in reply) {
        this.events?.failed(Object.assign(new Error(reply.checkpointError.message), { code: reply.checkpointError.code }));
        return;
      }
      if ('checkpointsHere' in reply) {
        thread.checkpointsHere = reply.checkpointsHere;
        this.events?.moved(reply.checkpointsHere);
        return;
      }
      const waiting = thread.waiting.get(reply.id);
      if (!waiting) return;
      thread.waiting.delete(reply.id);
      if (thread.waiting.size === 0) worker.unref();
      if ('rows' in reply) waiting.resolve(reply.rows);
      else waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    });
    // A thread that died (it should not: every statement's error is answered as a message) fails what it held;
    // the next read starts another.
    worker.on('error', (error) => this.lost(thread, error));
    worker.on('exit', (code) => this.lost(thread, new Error(`the SQLite reader thread stopped (exit code ${code})`)));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.thread = thread;
    return thread;
  }

  private lost(thread: Thread, error: Error): void {
    if (this.thread === thread) this.thread = null;
    failAll(thread, error);
    if (thread.checkpointsHere) {
      thread.checkpointsHere = false;
      this.events?.moved(false);
    }
  }
}

function failAll(thread: Thread, error: Error): void {
  const waiting = [...thread.waiting.values()];
  thread.waiting.clear();
  thread.worker.unref();
  for (const w of waiting) w.reject(error);
}
