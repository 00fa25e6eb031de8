/**
 * A store that does next to nothing, for bench/core/node-cost.ts only: jobs wait in an array in claim order,
 * a claim takes from its head, a settle is forgotten. With it the worker's own cost per job (run path, settle
 * batching, events) is what the CPU profile shows, not a store's. Not a Store anyone should use: no recovery,
 * no caps, no history, no fencing beyond "applied".
 */
import type { ClaimRequest, ClaimedJob, InsertResult, JobRecord, Lease, LeaseState, NewJob, Settlement, Store } from '../../src/core/store.js';
import type { JobStatus } from '../../src/core/types.js';
import { newRecord } from '../../src/core/rules/insert.js';

export class NullStore implements Store {
  readonly kind = 'null';
  readonly preferSettleAndClaim = false;
  private readonly due: (JobRecord | null)[] = [];
  private head = 0;
  private nextId = 1;
  settled = 0;

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async migrate() {
    return { applied: [], pending: [] };
  }
  async migrationStatus() {
    return { applied: [], pending: [] };
  }
  async ping(): Promise<void> {}

  async insert(jobs: NewJob[], now: number): Promise<InsertResult[]> {
    return jobs.map((job) => {
      // The rules' own new record: what every store writes at insert.
      const record = newRecord(String(this.nextId++), job, now);
      this.due.push(record);
      return { job: record, created: true };
    });
  }

  async insertFlow(): Promise<InsertResult[]> {
    throw new Error('the null store has no workflows');
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    const out: ClaimedJob[] = [];
    while (out.length < request.limit && this.head < this.due.length) {
      const record = this.due[this.head]!;
      this.due[this.head++] = null; // let it go once handed out
      // A fresh object per claim, as a real store's row decoding makes one (a literal: a spread of this many
      // fields is slow, and this store should cost next to nothing).
      const r = record;
      out.push({
        id: r.id, name: r.name, data: r.data, status: 'running', priority: r.priority, attempts: r.attempts + 1,
        maxAttempts: r.maxAttempts, backoff: r.backoff, timeoutMs: r.timeoutMs, repeat: r.repeat, repeatKey: r.repeatKey, trace: r.trace, group: r.group,
        dedupeKey: r.dedupeKey, dedupeUntil: r.dedupeUntil, label: r.label, dueAt: r.dueAt, nextRunAt: r.nextRunAt, lastRunAt: request.now,
        lastFinishedAt: r.lastFinishedAt, lastError: r.lastError, lastErrorStack: r.lastErrorStack, result: r.result, flow: null, waitingFor: 0,
        progress: r.progress, lockedBy: request.workerId, lockedUntil: request.now + request.lockLifetimeMs,
        createdAt: r.createdAt, updatedAt: request.now, lockToken: request.lockToken,
      });
    }
    return out;
  }

  async settle(settlements: Settlement[]): Promise<boolean[]> {
    this.settled += settlements.length;
    return settlements.map(() => true);
  }

  async heartbeat(leases: Lease[]): Promise<LeaseState[]> {
    return leases.map(() => 'ok' as const);
  }

  async saveProgress(): Promise<boolean> {
    return true;
  }

  async getJob(): Promise<JobRecord | null> {
    return null;
  }
  async listJobs(): Promise<JobRecord[]> {
    return [];
  }
  async countJobs(): Promise<Record<JobStatus, number>> {
    const left = this.due.length - this.head;
    return { pending: left, running: 0, completed: this.settled, failed: 0, cancelled: 0, blocked: 0 };
  }
  async history() {
    return [];
  }
  async cancel() {
    return null;
  }
  async trigger() {
    return null;
  }
  async update() {
    return null;
  }
  async remove() {
    return false;
  }
  async prune() {
    return { jobs: 0, history: 0 };
  }
  async putProcess(): Promise<void> {}
  async listProcesses() {
    return [];
  }
  async setPaused(): Promise<void> {}
  async pausedNames(): Promise<string[]> {
    return [];
  }
  async acquireLock(): Promise<boolean> {
    return true;
  }
  async releaseLock(): Promise<boolean> {
    return true;
  }
}
