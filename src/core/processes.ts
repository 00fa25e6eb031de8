/**
 * The process registry: every running scheduler writes a record of itself to the store (Store.putProcess) at
 * start, every PROCESS_HEARTBEAT_MS, and once more at stop (with stoppedAt), so any process sharing the store
 * can list them all (Scheduler.processes()) and sum their activity (Scheduler.activity()).
 *
 * The heartbeat is a side show: it never blocks or fails the worker. Writes never overlap (a slow store skips
 * beats instead of piling them up), failures are logged once per failing streak through the scheduler's logger,
 * and the final write at stop waits at most STOP_WRITE_MS. A store without putProcess (optional in the Store
 * interface) is simply not written to: processes() then knows only this process.
 */
import { hostname } from 'node:os';
import { summarise, type ActivityCounts, type ActivityLog } from './activity.js';
import type { Logger } from './logger.js';
import { PROCESS_KEPT_MS } from './rules/query.js';
import type { ProcessRecord, Store } from './store.js';

/** How often a running scheduler writes its record. */
export const PROCESS_HEARTBEAT_MS = 5_000;
/** A running process not seen for this long is probably gone (killed, or cut off from the store). */
export const PROCESS_SILENT_MS = 3 * PROCESS_HEARTBEAT_MS;
/** The longest stop() waits for the last write. */
const STOP_WRITE_MS = 2_000;

/** A scheduler process sharing the store, as Scheduler.processes() answers. */
export interface ProcessInfo {
  /** Its workerId. */
  id: string;
  host: string;
  pid: number;
  startedAt: Date;
  /** Its last heartbeat (this process: now). */
  lastSeenAt: Date;
  /** When it stopped; null while it runs. */
  stoppedAt: Date | null;
  /** Its slots (the scheduler's concurrency). */
  concurrency: number;
  /** Jobs it was running at its last heartbeat. */
  running: number;
  /** Names it has handlers for; null when a fallback handler runs any name. */
  names: string[] | null;
  /** Its runs over the last hour. */
  lastHour: ActivityCounts;
}

/** What the heartbeat reads from its scheduler. */
export interface ProcessSource {
  workerId: string;
  concurrency: number;
  logger: Logger;
  activity: ActivityLog;
  now(): number;
  running(): number;
  names(): string[] | null;
  /** The store, opened. */
  store(): Promise<Store>;
}

export class ProcessHeartbeat {
  private startedAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private failing = false;
  private readonly host = hostname();

  constructor(private readonly source: ProcessSource) {}

  get running(): boolean {
    return this.startedAt !== null;
  }

  /** Write now and every PROCESS_HEARTBEAT_MS until stop(). Idempotent. */
  start(): void {
    if (this.startedAt !== null) return;
    this.startedAt = this.source.now();
    this.beat();
    this.timer = setInterval(() => this.beat(), PROCESS_HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Stop beating and write the record a last time, with stoppedAt (waits at most STOP_WRITE_MS). */
  async stop(): Promise<void> {
    if (this.startedAt === null) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.writing;
    const last = this.write(this.record(this.source.now(), this.source.now()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([last, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WRITE_MS)))]);
    clearTimeout(timer);
    this.startedAt = null;
  }

  /** This process's record as it would be written now; null when it is not running. */
  record(now: number, stoppedAt: number | null = null): ProcessRecord | null {
    if (this.startedAt === null) return null;
    const s = this.source;
    return {
      id: s.workerId,
      host: this.host,
      pid: process.pid,
      startedAt: this.startedAt,
      lastSeenAt: now,
      stoppedAt,
      concurrency: s.concurrency,
      running: s.running(),
      names: s.names(),
      activity: s.activity.snapshot(now),
    };
  }

  private beat(): void {
    if (this.writing) return; // the last write has not answered: skip this beat rather than queue behind it
    void this.write(this.record(this.source.now()));
  }

  private write(record: ProcessRecord | null): Promise<void> {
    if (!record) return Promise.resolve();
    const writing = (async () => {
      try {
        const store = await this.source.store();
        if (!store.putProcess) return;
        await store.putProcess(record, record.lastSeenAt - PROCESS_KEPT_MS);
        if (this.failing) this.source.logger.info('process heartbeat written again');
        this.failing = false;
      } catch (error) {
        if (!this.failing) this.source.logger.warn({ err: error }, 'could not write this process heartbeat (processes view and activity may lag); the worker goes on');
        this.failing = true;
      }
    })();
    this.writing = writing;
    void writing.finally(() => {
      if (this.writing === writing) this.writing = null;
    });
    return writing;
  }
}

/** The public view of a stored record. */
export function toProcessInfo(record: ProcessRecord, now: number): ProcessInfo {
  const hour = summarise(record.activity, now, 1);
  return {
    id: record.id,
    host: record.host,
    pid: record.pid,
    startedAt: new Date(record.startedAt),
    lastSeenAt: new Date(record.lastSeenAt),
    stoppedAt: record.stoppedAt === null ? null : new Date(record.stoppedAt),
    concurrency: record.concurrency,
    running: record.running,
    names: record.names,
    lastHour: { completed: hour.completed, failed: hour.failed, retried: hour.retried },
  };
}
