/**
 * MemoryStore: the reference model. It applies the rules in src/core/rules directly, one plain data structure
 * and no cleverness, so what it does is what every store must do: test/differential runs random sequences of
 * calls against it and against SQLite, PostgreSQL and Redis and compares every answer and every job.
 *
 * It is also a real store for one process (users' unit tests: `hourglass-jobs/memory`). Everything lives in
 * this process and is gone when it exits. Values are kept as JSON text, as the other stores keep them, so a
 * caller never shares an object with the store and gets back exactly what JSON gives back.
 */
import { storeError } from '../../core/errors.js';
import { claimable, claimedRecord, compareClaimOrder, leaseEnded, NameAllowance, recoveredRecord, takesSlot } from '../../core/rules/claim.js';
import { keyHolderOf, replacedRecord, waitsForKey } from '../../core/rules/dedupe.js';
import { decideInsert, newRecord, upsertedRecord } from '../../core/rules/insert.js';
import {
  cancelledRecord,
  patchedRecord,
  progressRecord,
  renewedLease,
  settleAnswer,
  settledRecord,
  triggeredRecord,
  type HeldJob,
} from '../../core/rules/lifecycle.js';
import { historyToPrune, jobsToPrune } from '../../core/rules/prune.js';
import { compareJobs, matchesQuery } from '../../core/rules/query.js';
import type {
  CancelResult,
  ClaimRequest,
  ClaimedJob,
  HistoryEntry,
  HistoryRow,
  InsertResult,
  JobPatch,
  JobQuery,
  JobRecord,
  Lease,
  LeaseState,
  MigrationStatus,
  NewJob,
  ProcessRecord,
  PruneRequest,
  PruneResult,
  Settlement,
  Store,
  StoreInitOptions,
} from '../../core/store.js';
import type { Json, JobStatus } from '../../core/types.js';
import { JOB_STATUSES } from '../../core/types.js';

/**
 * A job as kept here: its record as JSON text (a private copy), its token, the token of its last applied
 * settlement (rules/lifecycle.ts settleAnswer), and its insertion number.
 */
interface Row {
  seq: number;
  text: string;
  lockToken: string | null;
  settledToken: string | null;
}

interface HistoryItem {
  seq: number;
  jobId: string;
  text: string;
}

/** Nothing to migrate: the layout is this file's, version 1 for as long as the process lives. */
const LAYOUT: MigrationStatus = { applied: [{ version: 1, name: 'in-memory layout', appliedAt: null }], pending: [] };

export class MemoryStore implements Store {
  readonly kind = 'memory';
  /** Insertion order is id order: a Map iterates in insertion order. */
  private readonly jobs = new Map<string, Row>();
  private history_: HistoryItem[] = [];
  private readonly paused = new Set<string>();
  private readonly locks = new Map<string, { owner: string; expiresAt: number }>();
  private readonly listeners = new Set<() => void>();
  private readonly processes = new Map<string, string>();
  private nextJobId = 1;
  private nextHistoryId = 1;

  async init(_options: StoreInitOptions): Promise<void> {}
  async close(): Promise<void> {}
  async migrate(): Promise<MigrationStatus> {
    return LAYOUT;
  }
  async migrationStatus(): Promise<MigrationStatus> {
    return LAYOUT;
  }
  async ping(): Promise<void> {}

  // ---- rows ------------------------------------------------------------------------------------------------

  private read(row: Row): JobRecord {
    return JSON.parse(row.text) as JobRecord;
  }

  private held(id: string): (HeldJob & { row: Row }) | null {
    const row = this.jobs.get(id);
    return row ? { row, record: this.read(row), lockToken: row.lockToken, settledToken: row.settledToken } : null;
  }

  private write(record: JobRecord, lockToken: string | null, seq?: number, settledToken?: string): void {
    const row = this.jobs.get(record.id);
    this.jobs.set(record.id, { seq: seq ?? row!.seq, text: encode(record), lockToken, settledToken: settledToken ?? row?.settledToken ?? null });
  }

  private addHistory(jobId: string, entry: HistoryEntry): void {
    const seq = this.nextHistoryId++;
    this.history_.push({ seq, jobId, text: JSON.stringify({ ...entry, id: String(seq), jobId }) });
  }

  /** The job holding a dedupe key at `now` (rules/dedupe.ts keyHolderOf), if any. */
  private keyHolder(dedupeKey: string | null, now: number): JobRecord | null {
    if (dedupeKey === null) return null;
    const keyed: JobRecord[] = [];
    for (const row of this.jobs.values()) {
      const record = this.read(row);
      if (record.dedupeKey === dedupeKey) keyed.push(record);
    }
    return keyHolderOf(keyed, now);
  }

  private repeatHolder(repeatKey: string | null): JobRecord | null {
    if (repeatKey === null) return null;
    for (const row of this.jobs.values()) {
      const record = this.read(row);
      if (record.repeatKey === repeatKey) return record;
    }
    return null;
  }

  private wake(): void {
    for (const listener of this.listeners) listener();
  }

  // ---- writes ----------------------------------------------------------------------------------------------

  async insert(jobs: NewJob[], now: number): Promise<InsertResult[]> {
    const results = jobs.map((job): InsertResult => {
      const copy = JSON.parse(encodeNew(job)) as NewJob;
      const decision = decideInsert(copy, this.repeatHolder(copy.repeatKey), this.keyHolder(copy.dedupeKey, now));
      if (decision.kind === 'existing') return { job: decision.job, created: false };
      if (decision.kind === 'replace') {
        this.write(replacedRecord(decision.job, copy, now), this.jobs.get(decision.job.id)!.lockToken);
        return { job: this.read(this.jobs.get(decision.job.id)!), created: false };
      }
      if (decision.kind === 'upsert') {
        const record = upsertedRecord(decision.job, copy, now);
        // A finished job starts a new cycle without its old run's lease (rules/insert.ts).
        const keepsLock = record.lockedBy !== null;
        this.write(record, keepsLock ? this.jobs.get(record.id)!.lockToken : null);
        return { job: this.read(this.jobs.get(record.id)!), created: false };
      }
      const seq = this.nextJobId++;
      const record = newRecord(String(seq), copy, now);
      this.write(record, null, seq);
      return { job: this.read(this.jobs.get(record.id)!), created: true };
    });
    this.wake();
    return results;
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    const { now } = request;
    for (const row of this.jobs.values()) {
      const record = this.read(row);
      if (!leaseEnded(record, now)) continue;
      const recovered = recoveredRecord(record, now);
      this.write(recovered.record, null);
      this.addHistory(record.id, recovered.history);
    }
    if (request.limit <= 0) return [];
    const running = new Map<string, number>();
    const candidates: (JobRecord & { seq: number })[] = [];
    const keyed: (JobRecord & { seq: number })[] = [];
    for (const row of this.jobs.values()) {
      const record = this.read(row);
      if (takesSlot(record, now)) running.set(record.name, (running.get(record.name) ?? 0) + 1);
      if (record.dedupeKey !== null) keyed.push({ ...record, seq: row.seq });
      if (claimable(record, request, this.paused)) candidates.push({ ...record, seq: row.seq });
    }
    // A job queued behind another of its dedupe key (rules/dedupe.ts waitsForKey) is not a candidate; judged on
    // the jobs as they were before this claim takes any, as the stores' statements do.
    const ready = candidates.filter((c) => !waitsForKey(c, keyed, now));
    candidates.length = 0;
    candidates.push(...ready);
    candidates.sort(compareClaimOrder);
    const allowance = new NameAllowance(request, (name) => running.get(name) ?? 0);
    const claimed: ClaimedJob[] = [];
    for (const candidate of candidates) {
      if (claimed.length >= request.limit) break;
      if (!allowance.take(candidate.name)) continue;
      const { seq: _seq, ...record } = candidate;
      const next = claimedRecord(record, request);
      this.write(next, request.lockToken);
      claimed.push({ ...this.read(this.jobs.get(next.id)!), lockToken: request.lockToken });
    }
    return claimed;
  }

  async settle(settlements: Settlement[]): Promise<boolean[]> {
    let due = false;
    const applied = settlements.map((s) => {
      const job = this.held(s.id);
      const outcome = job ? settledRecord(job, JSON.parse(JSON.stringify(s)) as Settlement) : null;
      if (!job || !outcome) return settleAnswer(job, s.lockToken);
      this.write(outcome.record, null, undefined, s.lockToken);
      if (outcome.history) this.addHistory(s.id, outcome.history);
      if (outcome.record.status === 'pending') due = true;
      return true;
    });
    if (due) this.wake();
    return applied;
  }

  async settleAndClaim(settlements: Settlement[], request: ClaimRequest): Promise<{ settled: boolean[]; claimed: ClaimedJob[] }> {
    const settled = await this.settle(settlements);
    return { settled, claimed: await this.claim(request) };
  }

  async heartbeat(leases: Lease[], now: number): Promise<LeaseState[]> {
    return leases.map((lease) => {
      const job = this.held(lease.id);
      const { state, record } = renewedLease(job, lease.lockToken, lease.lockedUntil, now);
      if (record) this.write(record, job!.lockToken);
      return state;
    });
  }

  async saveProgress(id: string, lockToken: string, progress: Json, now: number): Promise<boolean> {
    const job = this.held(id);
    const record = progressRecord(job, lockToken, copyJson(progress), now);
    if (!record) return false;
    this.write(record, job!.lockToken);
    return true;
  }

  async cancel(id: string, now: number): Promise<CancelResult | null> {
    const job = this.held(id);
    if (!job) return null;
    const record = cancelledRecord(job.record, now);
    if (record) this.write(record, job.lockToken);
    return { job: record ?? job.record, previous: job.record.status };
  }

  async trigger(id: string, now: number): Promise<JobRecord | null> {
    const job = this.held(id);
    if (!job) return null;
    const outcome = triggeredRecord(job.record, this.keyHolder(job.record.dedupeKey, now), now);
    if (!outcome) return job.record;
    this.write(outcome.record, null);
    this.wake();
    return this.read(this.jobs.get(id)!);
  }

  async update(id: string, patch: JobPatch, now: number): Promise<JobRecord | null> {
    const job = this.held(id);
    if (!job) return null;
    const record = patchedRecord(job.record, JSON.parse(JSON.stringify(patch)) as JobPatch, now);
    if (!record) return job.record;
    this.write(record, job.lockToken);
    if (record.status === 'pending') this.wake();
    return this.read(this.jobs.get(id)!);
  }

  async remove(id: string): Promise<boolean> {
    if (!this.jobs.delete(id)) return false;
    this.history_ = this.history_.filter((h) => h.jobId !== id);
    return true;
  }

  async prune(request: PruneRequest): Promise<PruneResult> {
    const all = [...this.jobs.values()].map((row) => this.read(row));
    const doomed = jobsToPrune(all, request);
    for (const job of doomed) await this.remove(job.id);
    const entries = this.history_.map((h) => ({ item: h, completedAt: (JSON.parse(h.text) as HistoryRow).completedAt }));
    const gone = new Set(historyToPrune(entries, request).map((e) => e.item));
    this.history_ = this.history_.filter((h) => !gone.has(h));
    return { jobs: doomed.length, history: gone.size };
  }

  async setPaused(name: string, paused: boolean): Promise<void> {
    if (paused) this.paused.add(name);
    else {
      this.paused.delete(name);
      this.wake();
    }
  }

  async pausedNames(): Promise<string[]> {
    return [...this.paused].sort();
  }

  async acquireLock(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    const held = this.locks.get(name);
    if (held && held.owner !== owner && held.expiresAt > now) return false;
    this.locks.set(name, { owner, expiresAt: now + ttlMs });
    return true;
  }

  async releaseLock(name: string, owner: string): Promise<boolean> {
    if (this.locks.get(name)?.owner !== owner) return false;
    this.locks.delete(name);
    return true;
  }

  async putProcess(record: ProcessRecord, forgetBefore: number): Promise<void> {
    this.processes.set(record.id, JSON.stringify(record));
    for (const [id, text] of this.processes) if ((JSON.parse(text) as ProcessRecord).lastSeenAt < forgetBefore) this.processes.delete(id);
  }

  async listProcesses(): Promise<ProcessRecord[]> {
    const all = [...this.processes.values()].map((text) => JSON.parse(text) as ProcessRecord);
    return all.sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async subscribe(onWake: () => void): Promise<() => Promise<void>> {
    this.listeners.add(onWake);
    return async () => {
      this.listeners.delete(onWake);
    };
  }

  // ---- reads -----------------------------------------------------------------------------------------------

  async getJob(id: string): Promise<JobRecord | null> {
    const row = this.jobs.get(String(id));
    return row ? this.read(row) : null;
  }

  /** The jobs matching the query, in its order (rules/query.ts: matchesQuery, compareJobs), one page. */
  async listJobs(query: JobQuery): Promise<JobRecord[]> {
    const matches: JobRecord[] = [];
    for (const row of this.jobs.values()) {
      const record = this.read(row);
      if (matchesQuery(record, query)) matches.push(record);
    }
    return matches.sort(compareJobs(query.order)).slice(query.offset, query.offset + query.limit);
  }

  async countJobs(name?: string, statuses: readonly JobStatus[] = JOB_STATUSES): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const row of this.jobs.values()) {
      const record = this.read(row);
      if ((name === undefined || record.name === name) && statuses.includes(record.status)) counts[record.status]++;
    }
    return counts;
  }

  async history(jobId: string): Promise<HistoryRow[]> {
    return this.history_.filter((h) => h.jobId === String(jobId)).map((h) => JSON.parse(h.text) as HistoryRow);
  }
}

/** A record as JSON text; a value JSON cannot hold is refused as the other stores refuse it. */
function encode(record: JobRecord): string {
  try {
    return JSON.stringify(record);
  } catch (error) {
    throw storeError('memory', 'write', error);
  }
}

function encodeNew(job: NewJob): string {
  try {
    return JSON.stringify(job);
  } catch (error) {
    throw storeError('memory', 'insert', error);
  }
}

function copyJson(value: Json): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}
