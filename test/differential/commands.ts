/**
 * The calls a differential sequence is made of, as plain data (so fast-check can shrink a failing sequence
 * to a minimal one), and their generators. A job is referred to by `pick`, an index into the jobs the
 * sequence has seen (taken modulo their number when the command runs), so every generated sequence is valid
 * whatever the earlier commands did.
 */
import fc from 'fast-check';
import { JOB_ORDER_FIELDS } from '../../src/core/rules/query.js';
import type { JobOrderField } from '../../src/core/store.js';
import type { Json } from '../../src/core/types.js';

/** 'constructor' is there to catch a store (or the model) reading a plain object's inherited properties. */
export const NAMES = ['a', 'b', 'constructor'] as const;
/** Each name's global rate window (ms), fixed as a definition's is: stores trim a key's log by its window. */
export const RATE_WINDOWS: Record<string, number> = { a: 1000, b: 5000, constructor: 2000 };
const KEYS = ['k1', 'k2'] as const;
const REPEAT_KEYS = ['r1', 'r2'] as const;

export interface JobSpec {
  name: string;
  data: Json;
  priority: number;
  maxAttempts: number | null;
  dedupeKey: string | null;
  /** With a repeat key: repeats every `every` ms. */
  repeatKey: string | null;
  every: number;
  delay: number;
  label: string | null;
  timeoutMs: number | null;
  /** The enqueuing call's trace context (absent in older recorded sequences: null). */
  trace?: string | null;
  /** NewJob.dedupeForMs, given only with a dedupe key and no repeat key (absent in older sequences: null). */
  dedupeFor?: number | null;
  /** NewJob.replace, given only with a dedupe key and no repeat key (absent in older sequences: false). */
  replace?: boolean;
  /** The job's group (absent in older recorded sequences: null); the runner makes it unique to the sequence. */
  group?: string | null;
}

export type Outcome = 'success' | 'failure' | 'release' | 'success-no-save';

/** A node of a random flow: its job, the earlier nodes it runs after (positions), its failure policy. */
export interface FlowNodeSpec {
  spec: JobSpec;
  after: number[];
  run: boolean;
}

export type Command =
  | { kind: 'insert'; jobs: JobSpec[] }
  // `once`: every node carries the derived key `<once>:n<i>` marked once (ctx.flow's default keys, finish-run.ts),
  // so a later flow with the same `once` inserts the same sub-graph again, as a run repeated after a crash does
  // (absent in older recorded sequences: null).
  | { kind: 'flow'; nodes: FlowNodeSpec[]; once?: string | null }
  // scheduleBulk's streamed form (core/bulk.ts insertInChunks): chunks of one insert each; `badAt` is a spec
  // that fails validation, stopping the stream there (the chunks before it stay stored).
  | { kind: 'bulk'; jobs: JobSpec[]; chunkSize: number; badAt: number | null }
  | {
      kind: 'claim';
      limit: number;
      names: string[] | null;
      caps: { name: string; localFree?: number; global?: number; groupConcurrency?: number; rate?: { max: number; byGroup: boolean } }[];
      lifetime: number;
      combine: boolean;
    }
  | { kind: 'settle'; picks: { pick: number; outcome: Outcome; maxAttempts: number; stale: boolean }[] }
  | { kind: 'heartbeat'; picks: number[]; extend: number }
  | { kind: 'progress'; pick: number; value: Json }
  // `blocked`: the pick is among the model's blocked jobs (any job when none is), so a flow's dependent is often
  // cancelled by hand while it waits, which retention must then handle (rules/flow.ts pruned; absent: false).
  | { kind: 'cancel'; pick: number; blocked?: boolean }
  | { kind: 'trigger'; pick: number }
  | { kind: 'update'; pick: number; data?: Json; priority?: number; maxAttempts?: number | null; delay?: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'pause'; name: string; paused: boolean }
  | { kind: 'advance'; ms: number }
  // The next command runs in the same millisecond as the one before (each other command moves the clock 1 ms):
  // a job settled and claimed again, or two claims, within one millisecond.
  | { kind: 'stay' }
  | { kind: 'prune'; completed?: number; failed?: number; cancelled?: number; history: number | null; limit: number }
  | { kind: 'groupCounts'; name: string }
  | { kind: 'rateWindow'; name: string; group: string | null }
  | { kind: 'count'; name?: string; statuses?: ('pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'blocked')[] }
  /** Store.getJobs: some of the sequence's jobs (and, as pick 19, one that does not exist), read together. */
  | { kind: 'getJobs'; picks: number[] }
  /** Store.finishedAt: retention's count reads the finish time at a rank, newest first. */
  | { kind: 'finishedAt'; status: 'completed' | 'failed' | 'cancelled'; rank: number }
  | {
      kind: 'list';
      statuses?: ('pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'blocked')[];
      name?: string;
      text?: string;
      repeating?: true;
      /** One of the sequence's groups (the runner prefixes it as it does the jobs'). */
      group?: string;
      order?: { by: JobOrderField; dir: 'asc' | 'desc' };
      limit: number;
      offset: number;
    }
  | { kind: 'process'; id: string; running: number; stopped: boolean; keepMs: number }
  | { kind: 'lock'; name: string; owner: string; ttl: number; release: boolean }
  // Durable runs (rules/steps.ts): entries saved and cleared by a claim, suspensions, events.
  | { kind: 'saveStep'; pick: number; key: string; value: Json; stale: boolean }
  | { kind: 'clearSteps'; pick: number; stale: boolean }
  | { kind: 'suspend'; pick: number; wait: boolean; event: string; match: Record<string, Json> | null; until: number; sinceBack: number; stale: boolean }
  | { kind: 'sendEvent'; name: string; payload: Json }
  /** Retention of events: forget every event sent before now - back (Store.pruneEvents). */
  | { kind: 'pruneEvents'; back: number }
  | { kind: 'findEvent'; name: string; match: Record<string, Json>; sinceBack: number }
  | { kind: 'loadSteps'; pick: number }
  // When a global rate window frees (Store.rateFreeAt, rules/rate.ts), each name's window its own (RATE_WINDOWS).
  | { kind: 'rateFreeAt'; rates: { name: string; max: number; byGroup: boolean; limited: boolean }[] }
  // Groups' upkeep (Store.pruneGroups, rules/groups.ts forgettable): every group of the sequence visited, and how
  // many were forgotten (every store knows the same groups: makesGroupKnown); claims after it prove the effect.
  | { kind: 'pruneGroups'; rateBack: number };

/** Objects whose keys come in a random order: stores must give them back in that order. */
const data: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -1000, max: 1000 }),
  fc.string({ maxLength: 8 }),
  fc.dictionary(fc.constantFrom('z', 'b', 'a', 'y', 'c', '10', '2'), fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null)), {
    maxKeys: 4,
  }),
  fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }),
);

const name = fc.constantFrom(...NAMES);
const statuses = fc.subarray(['pending', 'running', 'completed', 'failed', 'cancelled', 'blocked'] as const, { minLength: 1 });

const jobSpec: fc.Arbitrary<JobSpec> = fc.record({
  name,
  data,
  priority: fc.constantFrom(0, 0, 5, -5),
  maxAttempts: fc.constantFrom(null, 1, 2, 3),
  dedupeKey: fc.constantFrom(null, null, ...KEYS),
  repeatKey: fc.constantFrom(null, null, null, ...REPEAT_KEYS),
  every: fc.constantFrom(1000, 5000),
  delay: fc.constantFrom(0, 0, 500, 5000),
  label: fc.constantFrom(null, null, 'people'),
  timeoutMs: fc.constantFrom(null, null, 2000),
  trace: fc.constantFrom(null, null, '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}'),
  // Periods that end within a sequence (advance steps up to 40 s) and one that outlives most of it.
  dedupeFor: fc.constantFrom(null, null, 3000, 60_000),
  replace: fc.constantFrom(false, true),
  // Half the jobs in one of three groups, so rotations, group caps and ungrouped jobs meet in one claim.
  group: fc.constantFrom(null, null, null, 'g1', 'g2', 'g3'),
});

const groupedSpec: fc.Arbitrary<JobSpec> = jobSpec.chain((spec) =>
  fc.record({ group: fc.constantFrom('g1', 'g2', 'g3'), priority: fc.constantFrom(0, 0, 5) }).map((g) => ({ ...spec, ...g, name: 'a', delay: 0, repeatKey: null, dedupeKey: null })),
);

const pick = fc.nat({ max: 19 });

/**
 * A small random DAG (fan-out, fan-in, shared dependencies): node i runs after some of the nodes before it.
 * Only a node without dependencies may carry a dedupe key (flow.ts), and none repeats.
 */
const flowNodes: fc.Arbitrary<FlowNodeSpec[]> = fc
  .array(fc.record({ spec: jobSpec, links: fc.array(fc.nat({ max: 4 }), { maxLength: 3 }), run: fc.constantFrom(false, false, true) }), { minLength: 1, maxLength: 5 })
  .map((nodes) =>
    nodes.map(({ spec, links, run }, i) => {
      const after = i === 0 ? [] : [...new Set(links.map((l) => l % i))].sort((a, b) => a - b);
      return { spec: { ...spec, repeatKey: null, dedupeKey: after.length > 0 ? null : spec.dedupeKey }, after, run };
    }),
  );

export const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('insert' as const), jobs: fc.array(jobSpec, { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flow' as const), nodes: flowNodes, once: fc.constantFrom(null, null, 'f1', 'f2') }) },
  // Keys repeat within a chunk and across chunks (two dedupe keys, two repeat keys among up to 9 specs).
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('bulk' as const),
      jobs: fc.array(jobSpec, { minLength: 2, maxLength: 9 }),
      chunkSize: fc.integer({ min: 1, max: 4 }),
      badAt: fc.option(fc.nat({ max: 8 }), { nil: null, freq: 4 }),
    }),
  },
  // A burst of one name's grouped jobs due now: several groups with backlogs, so rotation turns and group caps
  // decide what claims take.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), jobs: fc.array(groupedSpec, { minLength: 2, maxLength: 6 }) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      limit: fc.constantFrom(0, 1, 1, 2, 4, 4),
      names: fc.option(fc.subarray([...NAMES], { minLength: 1 }), { nil: null }),
      caps: fc.uniqueArray(
        fc.record(
          {
            name,
            localFree: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
            global: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
            groupConcurrency: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
            // A global rate limit; its window is the name's own (RATE_WINDOWS), as a definition's would be.
            rate: fc.option(fc.record({ max: fc.integer({ min: 1, max: 2 }), byGroup: fc.boolean() }), { nil: undefined, freq: 3 }),
          },
          { requiredKeys: ['name'] },
        ),
        { selector: (c) => c.name, maxLength: 2 },
      ),
      lifetime: fc.constantFrom(1000, 30_000),
      combine: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      picks: fc.array(
        fc.record({ pick, outcome: fc.constantFrom<Outcome>('success', 'success', 'failure', 'failure', 'release', 'success-no-save'), maxAttempts: fc.constantFrom(1, 1, 2, 3), stale: fc.constantFrom(false, false, false, true) }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('heartbeat' as const), picks: fc.array(pick, { minLength: 1, maxLength: 3 }), extend: fc.constantFrom(1000, 30_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('progress' as const), pick, value: data }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick, blocked: fc.constant(true) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('trigger' as const), pick }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        kind: fc.constant('update' as const),
        pick,
        data,
        priority: fc.constantFrom(0, 7),
        maxAttempts: fc.constantFrom(null, 2),
        delay: fc.constantFrom(0, 3000),
      },
      { requiredKeys: ['kind', 'pick'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pause' as const), name, paused: fc.boolean() }) },
  // rateBack: at least the longest window (RATE_WINDOWS), as a sweep passes; 0 would forget a window still counting.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pruneGroups' as const), rateBack: fc.constantFrom(5000, 40_000) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('rateFreeAt' as const),
      // `limited: false`: a limit without a rate, which the store must ignore.
      rates: fc.uniqueArray(fc.record({ name, max: fc.integer({ min: 1, max: 2 }), byGroup: fc.boolean(), limited: fc.constantFrom(true, true, false) }), {
        selector: (r) => r.name,
        minLength: 1,
        maxLength: 2,
      }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1, 100, 1000, 10_000, 40_000) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('stay' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        kind: fc.constant('prune' as const),
        completed: fc.constantFrom(0, 5000),
        failed: fc.constantFrom(0, 5000),
        cancelled: fc.constantFrom(0, 5000),
        history: fc.constantFrom(null, 0, 5000),
        limit: fc.integer({ min: 0, max: 3 }),
      },
      { requiredKeys: ['kind', 'history', 'limit'] },
    ),
  },
  // A sweep of failed (and completed) jobs only: a dependency pruned while a dependent cancelled by hand stays
  // (rules/flow.ts pruned), which a sweep taking cancelled jobs too often deletes together.
  {
    weight: 1,
    arbitrary: fc.record(
      { kind: fc.constant('prune' as const), completed: fc.constant(0), failed: fc.constantFrom(0, 5000), history: fc.constant(null), limit: fc.integer({ min: 1, max: 3 }) },
      { requiredKeys: ['kind', 'failed', 'history', 'limit'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('count' as const), name, statuses }, { requiredKeys: ['kind'] }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('getJobs' as const), picks: fc.array(pick, { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('finishedAt' as const), status: fc.constantFrom('completed' as const, 'failed' as const, 'cancelled' as const), rank: fc.nat({ max: 4 }) }) },
  // A name's groups with due or running jobs (rules/group-counts.ts): 'a' is the name grouped bursts use.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('groupCounts' as const), name: fc.constantFrom('a', 'a', 'b') }) },
  // A rate key's window (rules/rate.ts), over the name's own window (RATE_WINDOWS): the name's key or a group's.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rateWindow' as const), name: fc.constantFrom('a', 'a', 'b'), group: fc.constantFrom(null, 'g1', 'g2') }) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant('list' as const),
        // Pending alone often: nextRunAt over pending jobs is the order stores answer from their claim indexes.
        statuses: fc.oneof(fc.constant<'pending'[]>(['pending']), statuses),
        name,
        // Matches in names, labels (people), data text (quotes, keys, digits) and errors (boom), any ASCII case.
        text: fc.constantFrom('A', 'B', 'Peop', 'boom', '"', 'z', '1', 'CONSTRUCTOR', '%', '_'),
        repeating: fc.constant(true as const),
        group: fc.constantFrom('g1', 'g2', 'g3'),
        order: fc.record({ by: fc.constantFrom(...JOB_ORDER_FIELDS, 'nextRunAt', 'nextRunAt'), dir: fc.constantFrom('asc' as const, 'desc' as const) }),
        limit: fc.integer({ min: 1, max: 5 }),
        offset: fc.integer({ min: 0, max: 3 }),
      },
      { requiredKeys: ['kind', 'limit', 'offset'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('process' as const), id: fc.constantFrom('p1', 'p2'), running: fc.nat({ max: 3 }), stopped: fc.boolean(), keepMs: fc.constantFrom(500, 60_000) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('lock' as const), name: fc.constantFrom('L1', 'L2'), owner: fc.constantFrom('o1', 'o2'), ttl: fc.constantFrom(500, 5000), release: fc.boolean() }),
  },
);

const EVENTS = ['e1', 'e2'] as const;
const match = fc.constantFrom<Record<string, Json> | null>(null, {}, { k: 1 }, { k: 1 }, { k: '1' }, { k: 2 }, { k: null }, { k: 1, z: 'a' });
const payload: fc.Arbitrary<Json> = fc.oneof(
  fc.record({ z: fc.constantFrom('a', 'b'), k: fc.constantFrom<Json>(1, 1, 2, '1', null), v: data }, { requiredKeys: ['k'] }),
  fc.record({ z: fc.constantFrom('a', 'b'), k: fc.constantFrom<Json>(1, 1, 2, '1', null), v: data }, { requiredKeys: ['k'] }),
  data,
);

/** Durable-run commands, drawn beside the others (see `sequence`). */
export const durableCommand: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('saveStep' as const),
      pick,
      key: fc.constantFrom('step:s1', 'step:s2', 'wait:1'),
      value: data,
      stale: fc.constantFrom(false, false, true),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clearSteps' as const), pick, stale: fc.constantFrom(false, true) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('suspend' as const),
      pick,
      wait: fc.boolean(),
      event: fc.constantFrom(...EVENTS),
      match,
      until: fc.constantFrom(500, 5000, 60_000),
      sinceBack: fc.constantFrom(0, 10, 100_000),
      stale: fc.constantFrom(false, false, false, true),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sendEvent' as const), name: fc.constantFrom(...EVENTS), payload }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pruneEvents' as const), back: fc.constantFrom(0, 50, 1000, 100_000) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('findEvent' as const), name: fc.constantFrom(...EVENTS), match: match.map((m) => m ?? {}), sinceBack: fc.constantFrom(0, 5, 100_000) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('loadSteps' as const), pick }) },
);

/**
 * Commands a sequence holds at most: 40 is long enough for jobs to be claimed, fail for good, be triggered and
 * pruned within one sequence; HOURGLASS_DIFF_LENGTH=120 searches deeper states (slower per sequence).
 */
const MAX_LENGTH = Number(process.env.HOURGLASS_DIFF_LENGTH ?? 40);
export const sequence = fc.array(fc.oneof({ weight: 3, arbitrary: command }, { weight: 1, arbitrary: durableCommand }), { minLength: 1, maxLength: MAX_LENGTH, size: 'max' });
