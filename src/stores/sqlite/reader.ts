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
 */
import { Worker } from 'node:worker_threads';
import { resolve } from 'node:path';

interface Waiting {
  resolve: (rows: unknown[]) => void;
  reject: (error: Error) => void;
}

type Reply = { id: number; rows: unknown[] } | { id: number; error: { message: string; code: string | null } };

/** One thread and the reads it holds (a thread that died fails its own reads, never a successor's). */
interface Thread {
  worker: Worker;
  waiting: Map<number, Waiting>;
}

export class Reader {
  private thread: Thread | null = null;
  private nextId = 1;
  private readonly path: string;

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
    worker.unref();
    const thread: Thread = { worker, waiting: new Map() };
    worker.on('message', (reply: Reply) => {
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
    this.thread = thread;
    return thread;
  }

  private lost(thread: Thread, error: Error): void {
    if (this.thread === thread) this.thread = null;
    failAll(thread, error);
  }
}

function failAll(thread: Thread, error: Error): void {
  const waiting = [...thread.waiting.values()];
  thread.waiting.clear();
  thread.worker.unref();
  for (const w of waiting) w.reject(error);
}
