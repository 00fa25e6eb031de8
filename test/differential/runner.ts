/**
 * Runs one sequence of commands against the model (MemoryStore) and a real store side by side, and checks
 * after every command that both answered alike and hold the same jobs; at the end, the same history.
 * Ids differ between stores, so they are translated: the n-th job either store created is the same job.
 * The clock is fake: every `now` a store sees comes from here, as the Store contract says.
 */
import { expect } from 'vitest';
import { insertInChunks } from '../../src/core/bulk.js';
import { BulkInsertError, HourglassError, ValidationError } from '../../src/core/errors.js';
import { decide, type RunOutcome } from '../../src/core/outcome.js';
import type { ClaimedJob, FlowJob, JobRecord, NameLimit, NewJob, Settlement, StepRecord, Store } from '../../src/core/store.js';
import type { Command, JobSpec } from './commands.js';
import { NAMES, RATE_WINDOWS } from './commands.js';

const UNKNOWN_ID = '987654321';
let epoch = 1_800_000_000_000;

interface Claim {
  modelId: string;
  token: string;
  /** The job as the model's claim returned it (the worker decides outcomes from this). */
  job: ClaimedJob;
  at: number;
}

export class Pair {
  private now: number;
  private readonly toModel = new Map<string, string>();
  private readonly toReal = new Map<string, string>();
  /** Model ids in creation order. */
  private readonly ids: string[] = [];
  private readonly claims: Claim[] = [];
  private tokens = 0;
  readonly log: string[] = [];
  /**
   * Groups are this sequence's own: a real store keeps each group's rotation stamp (rules/groups.ts) across
   * reset(), while the model starts afresh. The prefix keeps the groups' order among themselves.
   */
  private readonly groupPrefix: string;

  constructor(
    private readonly model: Store,
    private readonly real: Store,
  ) {
    epoch += 100_000_000; // every sequence on a fresh stretch of time: nothing left from the last one is due
    this.now = epoch;
    this.groupPrefix = `${epoch}:`;
  }

  async run(commands: Command[]): Promise<void> {
    for (const [i, command] of commands.entries()) {
      this.log.push(JSON.stringify(command));
      // Inputs are decided once, from the model's state before the command, then given to both stores.
      const operation = await this.prepare(command);
      const expected = await attempt(() => operation(this.model, (id) => id));
      const actual = await attempt(() => operation(this.real, (id) => this.realId(id)));
      this.learn(expected, actual, command);
      expect(this.translate(actual), `command #${i} ${command.kind}: answers differ\n${this.log.join('\n')}`).toEqual(exact(expected));
      await this.compareJobs(`after command #${i} ${command.kind}`);
      if (command.kind === 'advance') this.now += command.ms;
      else if (command.kind === 'stay') this.now -= 1; // back to the last command's millisecond
      else this.now += 1;
    }
    await this.compareHistory();
    await this.compareSteps();
  }

  /** Every job's durable entries (rules/steps.ts), compared at the end as history is. */
  private async compareSteps(): Promise<void> {
    if (!this.model.loadSteps || !this.real.loadSteps) return;
    for (const modelId of this.ids) {
      const [expected, actual] = await Promise.all([this.model.loadSteps(modelId), this.real.loadSteps(this.realId(modelId))]);
      expect(this.translate(actual), `steps of job ${modelId} differ\n${this.log.join('\n')}`).toEqual(exact(expected));
    }
  }

  /** Empty the real store through its API (cheaper than a new schema per sequence). */
  async reset(): Promise<void> {
    for (const id of this.toModel.keys()) await this.real.remove(id);
    // Every job of the sequence was one the runner saw (the model's twin): one left behind is a job the store made
    // that the model did not, or one remove() left. It is removed, so the next sequences start clean (and the
    // shrinker's runs too), and this sequence fails.
    const left = await this.real.listJobs({ limit: 100, offset: 0 });
    for (const job of left) await this.real.remove(job.id);
    if (left.length > 0) throw new Error(`the store kept ${left.length} job(s) after reset: ${JSON.stringify(left.map((j) => ({ id: j.id, name: j.name, status: j.status, repeatKey: j.repeatKey, dedupeKey: j.dedupeKey, flow: j.flow })))}\n${this.log.join('\n')}`);
    for (const name of NAMES) await this.real.setPaused(name, false);
    for (const lock of ['L1', 'L2']) for (const owner of ['o1', 'o2']) await this.real.releaseLock(lock, owner);
    // Process records are forgotten by age: forgetting everything seen before a time later than the record
    // written forgets that one too.
    if (this.real.putProcess) {
      const far = this.now + 10 * 365 * 86_400_000;
      const blank = { id: 'reset', host: '', pid: 0, startedAt: far, lastSeenAt: far, stoppedAt: far, concurrency: 0, running: 0, names: null, activity: [] };
      await this.real.putProcess(blank, far + 1);
    }
    // Events are forgotten by age (Store.pruneEvents): the next sequence starts without this one's, as the model does.
    if (this.real.pruneEvents) await this.real.pruneEvents(this.now + 10 * 365 * 86_400_000);
    // The jobs are gone: every group of the sequence goes too, so the next one's upkeep visits only its own.
    if (this.real.pruneGroups) {
      const far = this.now + 10 * 365 * 86_400_000;
      let cursor: string | null = null;
      do cursor = (await this.real.pruneGroups({ now: far, rateBefore: far, limit: 1000, cursor })).next;
      while (cursor !== null);
    }
  }

  private realId(modelId: string): string {
    return this.toReal.get(modelId) ?? UNKNOWN_ID;
  }

  private pickId(pick: number): string {
    if (this.ids.length === 0 || pick === 19) return UNKNOWN_ID;
    return this.ids[pick % this.ids.length]!;
  }

  /** A job among the model's blocked ones (a flow's dependent waiting), or any job when none is blocked. */
  private async pickBlocked(pick: number): Promise<string> {
    const blocked = await this.model.listJobs({ status: ['blocked'], limit: 1000, offset: 0 });
    return blocked.length === 0 ? this.pickId(pick) : blocked[pick % blocked.length]!.id;
  }

  /** A claim to act for: among those still holding their job in the model unless `stale`. */
  private async pickClaim(pick: number, stale: boolean): Promise<Claim | null> {
    let pool = this.claims;
    if (!stale) {
      const current: Claim[] = [];
      for (const claim of this.claims) {
        const job = await this.model.getJob(claim.modelId);
        if (job && (job.status === 'running' || job.status === 'cancelled') && job.lockedBy !== null && job.lastRunAt === claim.at) current.push(claim);
      }
      pool = current;
    }
    return pool.length === 0 ? null : pool[pick % pool.length]!;
  }

  /** The command as one call with concrete inputs: (store, id in that store) → answer. */
  private async prepare(command: Command): Promise<(store: Store, id: (modelId: string) => string) => Promise<unknown>> {
    const now = this.now;
    switch (command.kind) {
      case 'insert':
        return (store) => store.insert(command.jobs.map((spec) => newJob(spec, now, this.groupPrefix)), now);
      case 'bulk':
        // The answer: every stored chunk's results in order, then where the stream stopped, if it did.
        return async (store) => {
          const results: unknown[] = [];
          const toJob = (item: unknown, i: number) => {
            if (i === command.badAt) throw new ValidationError(`specs[${i}]`, item, 'refused by the sequence');
            return newJob(item as JobSpec, now, this.groupPrefix);
          };
          try {
            await insertInChunks(command.jobs, command.chunkSize, toJob, (jobs) => store.insert(jobs, now), (chunk) => void results.push(...chunk));
          } catch (error) {
            if (!(error instanceof BulkInsertError)) throw error;
            results.push({ stopped: { stored: error.stored, chunks: error.chunks, created: error.created, existing: error.existing, cause: (error.cause as HourglassError).code } });
          }
          return results;
        };
      case 'flow': {
        const jobs: FlowJob[] = command.nodes.map((node, i) => {
          const flow: FlowJob['flow'] = { key: `n${i}` };
          if (node.run) flow.onDependencyFailure = 'run';
          if (command.nodes.some((other) => other.after.includes(i))) flow.dependents = true;
          // A flow node has no dedupe modes (core/flow.ts refuses dedupeFor and replace on one).
          const job: FlowJob = { ...newJob({ ...node.spec, dedupeFor: null, replace: false }, now, this.groupPrefix), flow, after: node.after };
          if (command.once) Object.assign(job, { dedupeKey: `${command.once}:n${i}`, once: true });
          return job;
        });
        return (store) => store.insertFlow(jobs, now);
      }
      case 'claim': {
        const request = {
          now,
          workerId: `w${this.tokens % 2}`,
          lockToken: `t${this.tokens++}`,
          limit: command.limit,
          names: command.names,
          limits: command.caps.map(({ rate, ...c }) => ({ ...c, ...(rate ? { rate: { max: rate.max, perMs: RATE_WINDOWS[c.name]!, ...(rate.byGroup ? { byGroup: true } : {}) } } : {}) })),
          lockLifetimeMs: command.lifetime,
          lockLifetimes: { b: 2000 },
        };
        return async (store) => (command.combine && store.settleAndClaim ? (await store.settleAndClaim([], request)).claimed : store.claim(request));
      }
      case 'settle': {
        const settlements: Settlement[] = [];
        for (const p of command.picks) {
          const claim = await this.pickClaim(p.pick, p.stale);
          if (claim) settlements.push(settlementFor(claim, p.outcome, p.maxAttempts, now));
        }
        return (store, id) => store.settle(settlements.map((s) => ({ ...s, id: id(s.id) })));
      }
      case 'heartbeat': {
        const leases: { modelId: string; lockToken: string; lockedUntil: number }[] = [];
        for (const p of command.picks) {
          const claim = await this.pickClaim(p, true);
          if (claim) leases.push({ modelId: claim.modelId, lockToken: claim.token, lockedUntil: now + command.extend });
        }
        return (store, id) => store.heartbeat(leases.map((l) => ({ id: id(l.modelId), lockToken: l.lockToken, lockedUntil: l.lockedUntil })), now);
      }
      case 'progress': {
        const claim = await this.pickClaim(command.pick, true);
        return async (store, id) => (claim ? store.saveProgress(id(claim.modelId), claim.token, command.value, now) : 'no claim');
      }
      case 'cancel': {
        const target = command.blocked ? await this.pickBlocked(command.pick) : this.pickId(command.pick);
        return (store, id) => store.cancel(id(target), now);
      }
      case 'trigger': {
        const target = this.pickId(command.pick);
        return (store, id) => store.trigger(id(target), now);
      }
      case 'update': {
        const target = this.pickId(command.pick);
        const patch: Record<string, unknown> = {};
        if (command.data !== undefined) patch.data = command.data;
        if (command.priority !== undefined) patch.priority = command.priority;
        if (command.maxAttempts !== undefined) patch.maxAttempts = command.maxAttempts;
        if (command.delay !== undefined) patch.nextRunAt = patch.dueAt = now + command.delay;
        return (store, id) => store.update(id(target), patch, now);
      }
      case 'remove': {
        const target = this.pickId(command.pick);
        return (store, id) => store.remove(id(target), now);
      }
      case 'pause':
        return async (store) => {
          await store.setPaused(command.name, command.paused);
          return store.pausedNames();
        };
      case 'advance':
      case 'stay':
        return async () => null;
      case 'prune': {
        const finishedBefore: Record<string, number> = {};
        for (const status of ['completed', 'failed', 'cancelled'] as const) {
          const age = command[status];
          if (age !== undefined) finishedBefore[status] = now - age;
        }
        // `now`: a dependent a pruned flow job counts down takes it as updatedAt (rules/flow.ts pruned).
        const request = { finishedBefore, historyBefore: command.history === null ? null : now - command.history, limit: command.limit, now };
        return (store) => store.prune(request);
      }
      case 'count':
        return (store) => store.countJobs(command.name, command.statuses);
      case 'finishedAt':
        return (store) => (store.finishedAt ? store.finishedAt(command.status, command.rank) : Promise.resolve('no finishedAt'));
      case 'getJobs': {
        const targets = command.picks.map((p) => this.pickId(p));
        return (store, id) => (store.getJobs ? store.getJobs(targets.map(id)) : Promise.resolve('no getJobs'));
      }
      case 'rateWindow': {
        const key = command.group === null ? '' : this.groupPrefix + command.group;
        return (store) => (store.rateWindow ? store.rateWindow(command.name, key, RATE_WINDOWS[command.name]!, now) : Promise.resolve('no rate window'));
      }
      case 'groupCounts':
        // Groups come back without the sequence's prefix, so answers compare as the commands name them.
        return async (store) =>
          store.groupCounts ? (await store.groupCounts(command.name, now)).map((g) => ({ ...g, group: g.group.slice(this.groupPrefix.length) })) : 'no group counts';
      case 'pruneGroups':
        return async (store) => {
          // How many it forgot: every store knows the same groups (rules/groups.ts makesGroupKnown).
          return store.pruneGroups ? (await store.pruneGroups({ now, rateBefore: now - command.rateBack, limit: 1000, cursor: null })).forgotten : null;
        };
      case 'rateFreeAt': {
        const limits: NameLimit[] = command.rates.map(({ name, max, byGroup, limited }) =>
          limited ? { name, rate: { max, perMs: RATE_WINDOWS[name]!, ...(byGroup ? { byGroup: true } : {}) } } : { name, global: max },
        );
        return (store) => (store.rateFreeAt ? store.rateFreeAt(limits, now) : Promise.resolve('unsupported'));
      }
      case 'list': {
        const query = {
          ...(command.statuses ? { status: command.statuses } : {}),
          ...(command.name ? { name: command.name } : {}),
          ...(command.text !== undefined ? { text: command.text } : {}),
          ...(command.repeating ? { repeating: command.repeating } : {}),
          ...(command.group ? { group: this.groupPrefix + command.group } : {}),
          ...(command.order ? { order: command.order } : {}),
          limit: command.limit,
          offset: command.offset,
        };
        return (store) => store.listJobs(query);
      }
      case 'process': {
        const record = {
          id: command.id,
          host: 'host-1',
          pid: command.id === 'p1' ? 101 : 102,
          startedAt: epoch,
          lastSeenAt: now,
          stoppedAt: command.stopped ? now : null,
          concurrency: 4,
          running: command.running,
          names: command.id === 'p1' ? ['a', 'b'] : null,
          activity: [{ minute: now - (now % 60_000), name: 'a', completed: command.running, failed: 1, retried: 0, runTimes: [command.running, 0, 1] }],
        };
        return async (store) => {
          if (!store.putProcess || !store.listProcesses) return 'no process registry';
          await store.putProcess(record, now - command.keepMs);
          return store.listProcesses();
        };
      }
      case 'lock':
        return (store) => (command.release ? store.releaseLock(command.name, command.owner) : store.acquireLock(command.name, command.owner, command.ttl, now));
      default:
        return this.prepareDurable(command, now);
    }
  }

  /** Durable-run commands (rules/steps.ts): decided from the model's state, as the others. */
  private async prepareDurable(command: Command, now: number): Promise<(store: Store, id: (modelId: string) => string) => Promise<unknown>> {
    switch (command.kind) {
      case 'saveStep': {
        const claim = await this.pickClaim(command.pick, command.stale);
        if (!claim) return async () => 'no claim';
        const kind = command.key.startsWith('wait:') ? ('wait' as const) : ('step' as const);
        const step: StepRecord = { key: command.key, kind, state: 'done', result: command.value, attempt: claim.job.attempts, at: now, workerId: 'w-step' };
        if (kind === 'wait') Object.assign(step, { event: 'e1', since: claim.at, until: now + 1000 });
        return (store, id) => store.saveStep!(id(claim.modelId), claim.token, step, now);
      }
      case 'clearSteps': {
        const claim = await this.pickClaim(command.pick, command.stale);
        return async (store, id) => (claim ? store.clearSteps!(id(claim.modelId), claim.token) : 'no claim');
      }
      case 'suspend': {
        const claim = await this.pickClaim(command.pick, command.stale);
        if (!claim) return async () => 'no claim';
        const until = now + command.until;
        const step: StepRecord = command.wait
          ? { key: 'wait:1', kind: 'wait', state: 'waiting', attempt: claim.job.attempts, at: now, workerId: 'w-step', event: command.event, since: now - command.sinceBack, until, ...(command.match ? { match: command.match } : {}) }
          : { key: 'sleep:1', kind: 'sleep', state: 'done', attempt: claim.job.attempts, at: now, workerId: 'w-step', until };
        const settlement = decide(claim.job, { kind: 'suspended', step, until }, { maxAttempts: 3, backoff: { type: 'fixed', delay: 0 }, saveResult: true }, claim.at, now, 'w-step').settlement;
        return (store, id) => store.suspend!({ ...settlement, id: id(claim.modelId), step });
      }
      case 'sendEvent':
        return (store) => store.sendEvent!(command.name, command.payload, now);
      case 'findEvent':
        return (store) => store.findEvent!(command.name, command.match, now - command.sinceBack);
      case 'pruneEvents':
        return (store) => store.pruneEvents!(now - command.back);
      case 'loadSteps': {
        const target = this.pickId(command.pick);
        return (store, id) => store.loadSteps!(id(target));
      }
      default:
        throw new Error(`unknown command ${command.kind}`);
    }
  }

  /** Record ids and claims from both answers, then express the real answer in model ids. */
  private translate(value: unknown): unknown {
    return mapIds(value, (realId) => this.toModel.get(realId) ?? `unmapped:${realId}`);
  }

  /** Learn id pairs from an insert's answers, and the claims a settle may act for. */
  private learn(modelAnswer: unknown, realAnswer: unknown, command: Command): void {
    const at = this.now;
    if ((command.kind === 'insert' || command.kind === 'flow' || command.kind === 'bulk') && Array.isArray(modelAnswer) && Array.isArray(realAnswer)) {
      modelAnswer.forEach((m: { job: JobRecord; created: boolean }, i) => {
        const r = realAnswer[i] as { job: JobRecord; created: boolean } | undefined;
        if (m.created && r?.created && !this.toModel.has(r.job.id)) {
          this.toModel.set(r.job.id, m.job.id);
          this.toReal.set(m.job.id, r.job.id);
          this.ids.push(m.job.id);
        }
      });
    }
    if (command.kind === 'claim' && Array.isArray(modelAnswer)) {
      for (const job of modelAnswer as ClaimedJob[]) this.claims.push({ modelId: job.id, token: job.lockToken, job, at });
    }
  }

  private async compareJobs(when: string): Promise<void> {
    const [expected, actual] = await Promise.all([this.model.listJobs({ limit: 1000, offset: 0 }), this.real.listJobs({ limit: 1000, offset: 0 })]);
    expect(this.translate(actual), `jobs differ ${when}\n${this.log.join('\n')}`).toEqual(exact(expected));
  }

  private async compareHistory(): Promise<void> {
    for (const modelId of this.ids) {
      // Whole, and its newest one and two records (the view of a long history).
      for (const limit of [undefined, 1, 2]) {
        const [expected, actual] = await Promise.all([this.model.history(modelId, limit), this.real.history(this.realId(modelId), limit)]);
        const strip = (rows: { id: string }[]) => rows.map(({ id: _id, ...rest }) => rest);
        expect(strip(this.translate(actual) as { id: string }[]), `history of job ${modelId} (limit ${limit}) differs\n${this.log.join('\n')}`).toEqual(strip(exact(expected) as { id: string }[]));
      }
    }
  }
}

/** The answer, or the error's code (an untyped error is a failure of its own: stores throw typed errors). */
async function attempt(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    return { error: error instanceof HourglassError ? error.code : `untyped: ${(error as Error)?.message ?? String(error)}` };
  }
}

function newJob(spec: JobSpec, now: number, groupPrefix: string): NewJob {
  const due = now + spec.delay;
  return {
    name: spec.name,
    data: spec.data,
    priority: spec.priority,
    maxAttempts: spec.maxAttempts,
    backoff: null,
    timeoutMs: spec.timeoutMs,
    repeat: spec.repeatKey === null ? null : { every: spec.every },
    repeatKey: spec.repeatKey,
    dedupeKey: spec.dedupeKey,
    ...(spec.dedupeKey !== null && spec.repeatKey === null && spec.dedupeFor ? { dedupeForMs: spec.dedupeFor } : {}),
    ...(spec.dedupeKey !== null && spec.repeatKey === null && spec.replace ? { replace: true } : {}),
    label: spec.label,
    trace: spec.trace ?? null,
    group: spec.group ? groupPrefix + spec.group : null,
    dueAt: due,
    nextRunAt: due,
  };
}

/** The settlement a worker would send for this claim and outcome (decided by the core, as in production). */
function settlementFor(claim: Claim, outcome: string, maxAttempts: number, now: number): Settlement {
  let run: RunOutcome;
  if (outcome === 'failure') {
    const error = new Error(`boom ${claim.job.attempts}`);
    error.stack = `Error: boom ${claim.job.attempts}\n    at handler (jobs.ts:1:1)`;
    run = { kind: 'failure', error };
  } else if (outcome === 'release') run = { kind: 'released', reason: 'released' };
  else run = { kind: 'success', result: claim.job.data };
  const policy = { maxAttempts, backoff: { type: 'fixed' as const, delay: 700 }, saveResult: outcome !== 'success-no-save' };
  return decide(claim.job, run, policy, claim.at, now, 'w-settle').settlement;
}

/** The model's answer in the form translate() gives the store's (ids kept, values as exact text). */
function exact(value: unknown): unknown {
  return mapIds(value, (id) => id);
}

/** Replace every job id in an answer (fields named id or jobId of job-shaped objects). */
function mapIds(value: unknown, map: (id: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapIds(v, map));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if ((key === 'id' && 'name' in value && 'status' in value) || key === 'jobId') out[key] = typeof v === 'string' ? map(v) : v;
    else if (key === 'job') out[key] = mapIds(v, map);
    // A workflow node's dependencies: key → job id.
    else if (key === 'after' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[key] = Object.fromEntries(Object.entries(v).map(([k, id]) => [k, typeof id === 'string' ? map(id) : id]));
    }
    // Values users hash or sign are compared as text: key order matters (toEqual alone would ignore it).
    else if (key === 'data' || key === 'result' || key === 'progress') out[key] = { json: JSON.stringify(v) };
    else out[key] = Array.isArray(v) || (v !== null && typeof v === 'object' && key !== 'repeat' && key !== 'backoff') ? mapIds(v, map) : v;
  }
  return out;
}
