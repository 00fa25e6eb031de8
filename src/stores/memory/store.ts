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
import { adoptedFlow, cascade, completed, heldBack, holdsBackAtInsert, misordered, pruned, removed, restore, type Edge, type Graph } from '../../core/rules/flow.js';
import { compareCodePoints, forgettable, makesGroupKnown, rotation, servedOrder } from '../../core/rules/groups.js';
import { earliest, rateFreeAt, rateKey, rateRoom, ratedNames, windowOf } from '../../core/rules/rate.js';
import { decideInsert, FINISHED, LIVE, newRecord, upsertedRecord, upsertStartsCycle } from '../../core/rules/insert.js';
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
import { compareSteps, EVENT_RETENTION_MS, eventForgotten, firstMatch, holdsRun, suspendedRecord, triggerStartsCycle, waitVerdict, deliveredStep, wokenRecord } from '../../core/rules/steps.js';
import { compareJobs, matchesQuery } from '../../core/rules/query.js';
import { groupCountsOf } from '../../core/rules/group-counts.js';
import { rateWindowOf, type RateWindow } from '../../core/rules/rate.js';
import type {
  CancelResult,
  ClaimRequest,
  ClaimedJob,
  FlowJob,
  HistoryEntry,
  HistoryRow,
  InsertResult,
  JobPatch,
  JobQuery,
  JobRecord,
  Lease,
  GroupPruneRequest,
  GroupPruneResult,
  NameLimit,
  LeaseState,
  MigrationStatus,
  NewJob,
  ProcessRecord,
  PruneRequest,
  PruneResult,
  SentEvent,
  Settlement,
  StepRecord,
  Store,
  GroupCount,
  Suspension,
  StoreInitOptions,
} from '../../core/store.js';
import type { FinishedStatus, Json, JobStatus } from '../../core/types.js';
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
  /** Workflow edges: a dependency's id → its edges to its dependents (rules/flow.ts). */
  private readonly edges = new Map<string, Edge[]>();
  /** The rules of flow.ts see the jobs and edges through this. */
  private readonly graph: Graph = {
    get: (id) => {
      const row = this.jobs.get(id);
      return row ? this.read(row) : null;
    },
    put: (node, now) => {
      const row = this.jobs.get(node.id)!;
      const { status, waitingFor, lastError } = node;
      this.write({ ...this.read(row), status, waitingFor, lastError, updatedAt: now }, row.lockToken);
    },
    edgesFrom: (id) => this.edges.get(id) ?? [],
    markDone: (_parent, edge) => {
      edge.done = true;
    },
  };
  /** Rotation stamps per name, then group (rules/groups.ts); a group not here was never served (0). */
  private readonly served = new Map<string, Map<string, number>>();
  /** The groups upkeep visits (rules/groups.ts makesGroupKnown), by groupKey, until it forgets them. */
  private readonly knownGroups = new Map<string, [string, string]>();
  private servedClock = 0;
  /** Claims of globally rate-limited names, by name and rate key (rules/rate.ts): their times. */
  private readonly rateLog = new Map<string, number[]>();
  private nextJobId = 1;
  private nextHistoryId = 1;
  /** Durable runs (rules/steps.ts): entries by job id then key (JSON text), events oldest first, waits by event name. */
  private readonly steps = new Map<string, Map<string, string>>();
  private events: { text: string; event: SentEvent }[] = [];
  private readonly waits = new Map<string, Map<string, string>>();

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
    if (makesGroupKnown(record)) this.knownGroups.set(groupKey(record.name, record.group!), [record.name, record.group!]);
    const row = this.jobs.get(record.id);
    this.jobs.set(record.id, { seq: seq ?? row!.seq, text: encode(record), lockToken, settledToken: settledToken ?? row?.settledToken ?? null });
  }

  private addHistory(jobId: string, entry: HistoryEntry): void {
    const seq = this.nextHistoryId++;
    this.history_.push({ seq, jobId, text: JSON.stringify({ ...entry, id: String(seq), jobId }) });
  }

  /**
   * The newest live job of a dedupe key (insertFlow: a node whose key a live job holds is that job). With replace
   * a key can have two live jobs, a running one and a newcomer queued behind it: the newcomer, as insert answers.
   */
  /** A once node's holder (rules/flow.ts holdsBackAtInsert's comment): the newest flow job carrying the key, in any status. */
  private flowHolder(dedupeKey: string | null): JobRecord | null {
    if (dedupeKey === null) return null;
    let holder: JobRecord | null = null;
    for (const row of this.jobs.values()) {
      const record = this.read(row);
      if (record.dedupeKey === dedupeKey && record.flow !== null) holder = record;
    }
    return holder;
  }

  private liveHolder(dedupeKey: string | null): JobRecord | null {
    if (dedupeKey === null) return null;
    let holder: JobRecord | null = null;
    for (const row of this.jobs.values()) {
      const record = this.read(row);
      if (record.dedupeKey === dedupeKey && LIVE.has(record.status)) holder = record;
    }
    return holder;
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
        // A finished job starts a new cycle without its old run's lease, nor its entries (rules/insert.ts).
        if (upsertStartsCycle(decision.job)) this.steps.delete(record.id);
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

  /** rules/flow.ts: each job as insert() would, a job with `after` blocked, with its edges. */
  async insertFlow(jobs: FlowJob[], now: number): Promise<InsertResult[]> {
    const wrong = misordered(jobs);
    if (wrong !== null) throw storeError('memory', 'insertFlow', new Error(wrong));
    const copies = JSON.parse(encodeNew(jobs)) as FlowJob[];
    const results: InsertResult[] = [];
    for (const { after, flow, once, ...job } of copies) {
      const holder = this.liveHolder(job.dedupeKey) ?? (once === true ? this.flowHolder(job.dedupeKey) : null);
      if (holder !== null) {
        const adopted = adoptedFlow(holder, { flow });
        if (adopted !== null) this.write({ ...holder, flow: adopted }, this.jobs.get(holder.id)!.lockToken);
        results.push({ job: adopted !== null ? { ...holder, flow: adopted } : holder, created: false });
        continue;
      }
      const seq = this.nextJobId++;
      const record = newRecord(String(seq), job, now);
      record.flow = flow;
      if (after.length > 0) {
        // Two dependencies may be one job (both deduped to it): one edge each distinct job.
        const parents = [...new Set(after.map((i) => results[i]!.job.id))];
        // A dependency found by its once key may have completed already (rules/flow.ts holdsBackAtInsert).
        const waiting = parents.filter((id) => holdsBackAtInsert(this.read(this.jobs.get(id)!)));
        record.status = waiting.length > 0 ? 'blocked' : 'pending';
        record.waitingFor = waiting.length;
        record.flow = { ...flow, after: Object.fromEntries(after.map((i) => [copies[i]!.flow.key, results[i]!.job.id])) };
        for (const parent of parents) {
          const edges = this.edges.get(parent) ?? [];
          edges.push({ child: record.id, run: flow.onDependencyFailure === 'run', done: !waiting.includes(parent) });
          this.edges.set(parent, edges);
        }
      }
      this.write(record, null, seq);
      results.push({ job: this.read(this.jobs.get(record.id)!), created: true });
    }
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
    const groupRunning = new Map<string, number>();
    const candidates: (JobRecord & { seq: number })[] = [];
    const keyed: (JobRecord & { seq: number })[] = [];
    const dueJobs: (JobRecord & { seq: number })[] = [];
    /** Due grouped jobs by name, then group, in insertion order (sorted below). */
    const grouped = new Map<string, Map<string, (JobRecord & { seq: number })[]>>();
    for (const row of this.jobs.values()) {
      const record = this.read(row);
      if (takesSlot(record, now)) {
        running.set(record.name, (running.get(record.name) ?? 0) + 1);
        if (record.group !== null) groupRunning.set(groupKey(record.name, record.group), (groupRunning.get(groupKey(record.name, record.group)) ?? 0) + 1);
      }
      if (record.dedupeKey !== null) keyed.push({ ...record, seq: row.seq });
      if (claimable(record, request, this.paused)) dueJobs.push({ ...record, seq: row.seq });
    }
    // A job queued behind another of its dedupe key (rules/dedupe.ts waitsForKey) is not a candidate, grouped
    // or not: it is left out before the rotation, so it takes no group's turn or cap (rules/groups.ts). Judged
    // on the jobs as they were before this claim takes any, as the stores' statements do.
    for (const record of dueJobs) {
      if (waitsForKey(record, keyed, now)) continue;
      if (record.group === null) candidates.push(record);
      else {
        const groups = grouped.get(record.name) ?? new Map<string, (JobRecord & { seq: number })[]>();
        grouped.set(record.name, groups);
        groups.set(record.group, [...(groups.get(record.group) ?? []), record]);
      }
    }
    const roomOf = (name: string, group: string | null): number => {
      const rate = limitOf(request, name)?.rate;
      return rate ? rateRoom(rate, this.rateLog.get(groupKey(name, rateKey(rate, group))) ?? [], now) : Infinity;
    };
    const allowance = new NameAllowance(request, (name) => running.get(name) ?? 0, (limit) => roomOf(limit.name, null));
    // With a rate per group, the jobs without a group share one window (rules/rate.ts).
    const ungroupedLeft = new Map<string, number>();
    // Each name's rotation offers up to what the name may take (rules/groups.ts), merged below in claim order.
    const offeredGroup = new Map<string, string>();
    const rotationIndex = new Map<string, number>();
    for (const [name, groups] of grouped) {
      const cap = groupCapOf(request, name);
      const offers = rotation(
        [...groups].map(([group, due]) => ({
          group,
          served: this.served.get(name)?.get(group) ?? 0,
          running: groupRunning.get(groupKey(name, group)) ?? 0,
          due: due.sort(compareClaimOrder),
          limit: roomOf(name, group),
        })),
        cap,
        Math.min(request.limit, allowance.remaining(name)),
      );
      offers.forEach((offer, i) => {
        candidates.push(offer.job);
        offeredGroup.set(offer.job.id, offer.group);
        rotationIndex.set(offer.job.id, i);
      });
    }
    candidates.sort(compareClaimOrder);
    const claimed: ClaimedJob[] = [];
    for (const candidate of candidates) {
      if (claimed.length >= request.limit) break;
      const rate = limitOf(request, candidate.name)?.rate;
      const ungroupedRoom = rate?.byGroup && candidate.group === null ? (ungroupedLeft.get(candidate.name) ?? roomOf(candidate.name, null)) : Infinity;
      if (ungroupedRoom <= 0) continue;
      if (!allowance.take(candidate.name)) continue;
      if (ungroupedRoom !== Infinity) ungroupedLeft.set(candidate.name, ungroupedRoom - 1);
      if (rate) {
        const key = groupKey(candidate.name, rateKey(rate, candidate.group));
        this.rateLog.set(key, [...(this.rateLog.get(key) ?? []).filter((at) => at > now - rate.perMs), now]);
      }
      const { seq: _seq, ...record } = candidate;
      const next = claimedRecord(record, request);
      this.write(next, request.lockToken);
      claimed.push({ ...this.read(this.jobs.get(next.id)!), lockToken: request.lockToken });
    }
    this.stampServed(claimed.filter((job) => offeredGroup.has(job.id)).sort((a, b) => rotationIndex.get(a.id)! - rotationIndex.get(b.id)!));
    return claimed;
  }

  async rateFreeAt(limits: NameLimit[], now: number): Promise<number | null> {
    return earliest(
      ratedNames(limits).map(({ name, rate }) => {
        if (!rate.byGroup) return rateFreeAt(rate, windowOf(rate, [this.rateLog.get(groupKey(name, '')) ?? []], now));
        const logs = [...this.rateLog].filter(([key]) => key.startsWith(`${name}\u0000`)).map(([, times]) => times);
        return rateFreeAt(rate, windowOf(rate, logs, now));
      }),
    );
  }

  /**
   * Groups' upkeep (rules/groups.ts forgettable): the known groups (makesGroupKnown) are visited in (name, group)
   * code point order after the cursor (JSON of the pair); what the model keeps of one is its stamp and its rate
   * key's log, forgotten with it.
   */
  async pruneGroups(request: GroupPruneRequest): Promise<GroupPruneResult> {
    const known = this.knownGroups;
    const order = (a: [string, string], b: [string, string]) => compareCodePoints(a[0], b[0]) || compareCodePoints(a[1], b[1]);
    const after = request.cursor === null ? null : (JSON.parse(request.cursor) as [string, string]);
    const page = [...known.values()].filter((pair) => after === null || order(pair, after) > 0).sort(order).slice(0, Math.max(0, request.limit));
    let forgotten = 0;
    for (const [name, group] of page) {
      const jobs = [...this.jobs.values()].map((row) => this.read(row)).filter((job) => job.name === name && job.group === group);
      const key = groupKey(name, group);
      if (!forgettable(jobs, this.rateLog.get(key) ?? [], request.rateBefore, request.now)) continue;
      this.served.get(name)?.delete(group);
      this.rateLog.delete(key);
      this.knownGroups.delete(key);
      forgotten++;
    }
    const last = page[page.length - 1];
    return { forgotten, next: page.length < request.limit || last === undefined ? null : JSON.stringify(last) };
  }

  /** Stamp the groups a claim served, name by name, in rotation order (rules/groups.ts servedOrder). */
  private stampServed(taken: JobRecord[]): void {
    const names = new Set(taken.map((job) => job.name));
    for (const name of names) {
      const stamps = this.served.get(name) ?? new Map<string, number>();
      this.served.set(name, stamps);
      for (const group of servedOrder(taken.filter((job) => job.name === name).map((job) => job.group!))) stamps.set(group, ++this.servedClock);
    }
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
      // A run cancelled meanwhile already cascaded at cancel(); rules/flow.ts.
      if (job.record.status === 'running' && outcome.record.status === 'completed') completed(this.graph, s.id, s.finishedAt);
      if (job.record.status === 'running' && outcome.record.status === 'failed') cascade(this.graph, s.id, outcome.record, 'failed', s.finishedAt);
      // A dependent released above is work due: a hint to the workers, as for a retry.
      if (this.edges.has(s.id)) due = true;
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
    if (record) {
      this.write(record, job.lockToken);
      cascade(this.graph, id, record, 'cancelled', now);
    }
    return { job: record ?? job.record, previous: job.record.status };
  }

  async trigger(id: string, now: number): Promise<JobRecord | null> {
    const job = this.held(id);
    if (!job) return null;
    const outcome = triggeredRecord(job.record, this.keyHolder(job.record.dedupeKey, now), now);
    if (!outcome) return job.record;
    if (triggerStartsCycle(job.record)) this.steps.delete(id);
    this.write(outcome.record, null);
    if (FINISHED.has(job.record.status)) restore(this.graph, id, now);
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

  async remove(id: string, now: number = Date.now()): Promise<boolean> {
    const job = this.held(id);
    if (!job) return false;
    // Its dependents are cancelled and no longer wait for it (rules/flow.ts removed).
    removed(this.graph, id, job.record, now);
    return this.delete(id);
  }

  /** A job, its edges and its history go (prune: a finished job's edges hold nothing back, rules/flow.ts). */
  private delete(id: string): boolean {
    if (!this.jobs.delete(id)) return false;
    this.edges.delete(id);
    this.steps.delete(id);
    this.history_ = this.history_.filter((h) => h.jobId !== id);
    return true;
  }

  async prune(request: PruneRequest): Promise<PruneResult> {
    const all = [...this.jobs.values()].map((row) => this.read(row));
    // A dependency a blocked (or cascade-cancelled) dependent still waits for is kept (rules/flow.ts heldBack).
    const doomed = jobsToPrune(all, request, (job) => heldBack(this.graph, job.id));
    const now = request.now ?? Date.now();
    for (const job of doomed) {
      // Its dependents left (cancelled by hand) stop counting it (rules/flow.ts pruned).
      if (job.flow !== null) pruned(this.graph, job.id, now);
      this.delete(job.id);
    }
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

  // ---- durable runs (rules/steps.ts) ---------------------------------------------------------------------

  async loadSteps(id: string): Promise<StepRecord[]> {
    const entries = this.steps.get(String(id));
    if (!entries) return [];
    return [...entries.values()].map((text) => JSON.parse(text) as StepRecord).sort(compareSteps);
  }

  private putStep(id: string, step: StepRecord): void {
    let entries = this.steps.get(id);
    if (!entries) this.steps.set(id, (entries = new Map()));
    entries.set(step.key, JSON.stringify(step));
  }

  private stepOf(id: string, key: string): StepRecord | undefined {
    const text = this.steps.get(id)?.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as StepRecord);
  }

  async saveStep(id: string, lockToken: string, step: StepRecord, _now: number): Promise<boolean> {
    const job = this.held(id);
    if (!holdsRun(job, lockToken)) return false;
    this.putStep(id, JSON.parse(JSON.stringify(step)) as StepRecord);
    return true;
  }

  async clearSteps(id: string, lockToken: string): Promise<boolean> {
    if (!holdsRun(this.held(id), lockToken)) return false;
    this.steps.delete(id);
    return true;
  }

  private storedEvents(): SentEvent[] {
    return this.events.map((e) => JSON.parse(e.text) as SentEvent);
  }

  async suspend(s: Suspension): Promise<boolean> {
    const copy = JSON.parse(JSON.stringify(s)) as Suspension;
    const job = this.held(copy.id);
    const outcome = suspendedRecord(job, copy, (name, match, since) => firstMatch(this.storedEvents(), name, match, since));
    // Not held: a resend of a suspension already applied answers true and writes nothing (as settle does).
    if (!outcome) return settleAnswer(job, copy.lockToken);
    this.write(outcome.record, null, undefined, copy.lockToken);
    if (outcome.step) this.putStep(copy.id, outcome.step);
    if (outcome.register !== null) {
      let waiting = this.waits.get(outcome.register);
      if (!waiting) this.waits.set(outcome.register, (waiting = new Map()));
      waiting.set(copy.id, copy.step.key);
    }
    if (outcome.record.status === 'pending' && outcome.record.nextRunAt <= copy.finishedAt) this.wake();
    return true;
  }

  async findEvent(name: string, match: Record<string, Json>, since: number): Promise<SentEvent | null> {
    return firstMatch(this.storedEvents(), name, match, since);
  }

  async pruneEvents(before: number): Promise<number> {
    const kept = this.events.filter((e) => !eventForgotten(e.event, before));
    const forgotten = this.events.length - kept.length;
    this.events = kept;
    return forgotten;
  }

  async sendEvent(name: string, payload: Json, now: number): Promise<number> {
    const event: SentEvent = { name, payload: copyJson(payload), sentAt: now };
    this.events = this.events.filter((e) => e.event.name !== name || e.event.sentAt >= now - EVENT_RETENTION_MS);
    this.events.push({ text: JSON.stringify(event), event });
    const waiting = this.waits.get(name);
    let woken = 0;
    for (const [id, key] of waiting ?? []) {
      const row = this.jobs.get(id);
      const record = row ? this.read(row) : null;
      const verdict = waitVerdict(record, this.stepOf(id, key), name, event.payload);
      if (verdict === 'keep') continue;
      waiting!.delete(id);
      if (verdict === 'drop') continue;
      this.putStep(id, deliveredStep(this.stepOf(id, key)!, event.payload, now));
      this.write(wokenRecord(record!, now), row!.lockToken);
      woken++;
    }
    if (waiting?.size === 0) this.waits.delete(name);
    if (woken > 0) this.wake();
    return woken;
  }

  // ---- reads -----------------------------------------------------------------------------------------------

  async getJob(id: string): Promise<JobRecord | null> {
    const row = this.jobs.get(String(id));
    return row ? this.read(row) : null;
  }

  async finishedAt(status: FinishedStatus, rank: number): Promise<number | null> {
    const times: number[] = [];
    for (const row of this.jobs.values()) {
      const job = this.read(row);
      if (job.status === status) times.push(job.updatedAt);
    }
    times.sort((a, b) => b - a);
    return times[Math.max(0, Math.floor(rank))] ?? null;
  }

  async getJobs(ids: readonly string[]): Promise<JobRecord[]> {
    const found: JobRecord[] = [];
    for (const id of ids) {
      const row = this.jobs.get(String(id));
      if (row) found.push(this.read(row));
    }
    return found;
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

  /** rules/group-counts.ts groupCountsOf over every job. */
  async groupCounts(name: string, now: number): Promise<GroupCount[]> {
    return groupCountsOf([...this.jobs.values()].map((row) => this.read(row)), name, now);
  }

  /** rules/rate.ts rateWindowOf over the key's log. */
  async rateWindow(name: string, key: string, perMs: number, now: number): Promise<RateWindow> {
    return rateWindowOf(this.rateLog.get(groupKey(name, key)) ?? [], perMs, now);
  }

  async history(jobId: string, limit?: number): Promise<HistoryRow[]> {
    const rows = this.history_.filter((h) => h.jobId === String(jobId));
    return (limit === undefined ? rows : rows.slice(-limit)).map((h) => JSON.parse(h.text) as HistoryRow);
  }
}

function groupKey(name: string, group: string): string {
  return `${name}\u0000${group}`;
}

/** The name's limits in this request (the last entry for a name listed twice, as NameAllowance). */
function limitOf(request: ClaimRequest, name: string): NameLimit | undefined {
  let found: NameLimit | undefined;
  for (const limit of request.limits) if (limit.name === name) found = limit;
  return found;
}

function groupCapOf(request: ClaimRequest, name: string): number | undefined {
  return limitOf(request, name)?.groupConcurrency;
}

/** A record as JSON text; a value JSON cannot hold is refused as the other stores refuse it. */
function encode(record: JobRecord): string {
  try {
    return JSON.stringify(record);
  } catch (error) {
    throw storeError('memory', 'write', error);
  }
}

function encodeNew(job: NewJob | FlowJob[]): string {
  try {
    return JSON.stringify(job);
  } catch (error) {
    throw storeError('memory', 'insert', error);
  }
}

function copyJson(value: Json): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}
