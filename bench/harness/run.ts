/**
 * One run of one contender: prepare its namespace (and a backlog, in backlog mode) from this process, fork
 * its worker, enqueue the batch (timed here), let the child process it (timed there), sample latency with idle
 * workers, read the child's peak RSS, clean up. Whatever fails, the namespace is removed and the child killed.
 */
import type { Contender } from '../contenders.js';
import { forkWorker, type WorkerChild } from './parent.js';
import { median, percentile } from './stats.js';
import { aofSize, checkpoint, rewriteAof } from './util.js';
import type { ClaimTimes, Driver, LatencySeries, RunSpec } from './types.js';

export interface RunOptions {
  jobs: number;
  concurrency: number;
  latencySamples: number;
  pgUrl: string;
  redisUrl: string;
  dir: string;
  /** Backlog mode: this many jobs are put in first (half of them, due in an hour: see docs/performance.md). */
  backlog: number | null;
  /** Idle claims timed after the run in backlog mode. */
  idleClaims: number;
  /** Groups mode: the measured batch spread over this many groups (null: no groups). */
  groups?: number | null;
}

export interface ClaimSummary {
  calls: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  jobsPerCall: number;
}

export interface RunResult {
  id: string;
  backlog: number | null;
  /** Groups mode: the groups the measured batch was spread over (null or absent: none). */
  groups?: number | null;
  /** Pending jobs due in an hour put in before the run (backlog mode), and how long that took. */
  filled: number | null;
  fillMs: number | null;
  enqueueMs: number;
  processMs: number;
  latency: LatencySeries[];
  claims: ClaimSummary | null;
  idleClaimMs: number[] | null;
  peakRssBytes: number | null;
  /** Redis: bytes the enqueue and process phases appended to the AOF, per job (null: not Redis, or no AOF). */
  aofBytesPerJob?: number | null;
}

export function summariseClaims(times: ClaimTimes | null): ClaimSummary | null {
  if (!times || times.ms.length === 0) return null;
  const jobs = times.jobs.reduce((a, b) => a + b, 0);
  return {
    calls: times.ms.length,
    p50Ms: percentile(times.ms, 50),
    p99Ms: percentile(times.ms, 99),
    meanMs: times.ms.reduce((a, b) => a + b, 0) / times.ms.length,
    jobsPerCall: jobs / times.ms.length,
  };
}

let serial = 0;

/** Runs in flight, so that an interrupted benchmark can still remove their namespaces (cleanupActive). */
const active = new Map<string, () => Promise<void>>();

export async function cleanupActive(): Promise<void> {
  await Promise.allSettled([...active.values()].map((f) => f()));
}

/** Postgres schemas, Redis prefixes and file names alike: short, lower case, unique per run. */
function namespaceFor(entry: Contender, tag: string): string {
  return `hgb_${tag}_${entry.id.replace(/[^a-z0-9]+/g, '_')}_${++serial}`;
}

export async function runOne(entry: Contender, o: RunOptions, tag: string, log: (line: string) => void): Promise<RunResult> {
  const spec: RunSpec = {
    entry: { id: entry.id, store: entry.store, role: entry.role, contender: entry.contender, config: entry.config, module: entry.module, variant: entry.variant },
    namespace: namespaceFor(entry, tag),
    jobs: o.jobs,
    concurrency: o.concurrency,
    pgUrl: o.pgUrl,
    redisUrl: o.redisUrl,
    dir: o.dir,
    groups: o.groups ?? null,
  };
  const driver = ((await import(new URL(`../${entry.module}`, import.meta.url).href)) as { default: Driver }).default;
  let child: WorkerChild | null = null;
  active.set(spec.namespace, () => driver.cleanup(spec));
  try {
    await driver.prepare(spec);
    let fillMs: number | null = null;
    let filled: number | null = null;
    if (o.backlog !== null) {
      if (!driver.fill) throw new Error(`${entry.id} has no backlog fill`);
      filled = Math.floor(o.backlog / 2);
      const t = performance.now();
      await driver.fill(spec, filled);
      fillMs = performance.now() - t;
      const t2 = performance.now();
      const after = (await driver.afterFill?.(spec)) ?? 'nothing';
      log(`  ${entry.id}: ${filled.toLocaleString('en-US')} jobs due in an hour written in ${(fillMs / 1000).toFixed(1)} s, then ${after} in ${((performance.now() - t2) / 1000).toFixed(1)} s`);
    }
    const redis = entry.store === 'redis';
    if (redis) log(`  ${entry.id}: ${await rewriteAof(o.redisUrl)} before the run`);
    if (entry.store === 'postgres') log(`  ${entry.id}: ${await checkpoint(o.pgUrl)} before the run`);
    child = await forkWorker();
    await child.call('init', { spec });
    const aof0 = redis ? await aofSize(o.redisUrl) : null;
    const t0 = performance.now();
    await driver.enqueue(spec);
    const enqueueMs = performance.now() - t0;
    const processMs = await child.call<number>('process', { arg: o.jobs });
    const aof1 = redis ? await aofSize(o.redisUrl) : null;
    const aofBytesPerJob = aof0 !== null && aof1 !== null && aof1 >= aof0 ? (aof1 - aof0) / o.jobs : null;
    const latency = await child.call<LatencySeries[]>('latency', { arg: o.latencySamples });
    const claims = summariseClaims(await child.call<ClaimTimes | null>('claims'));
    const idleClaimMs = o.backlog !== null ? await child.call<number[]>('idleClaims', { arg: o.idleClaims }) : null;
    const selfReported = await child.call<number>('stop');
    const peakRssBytes = child.peakRss() ?? selfReported;
    await child.call('exit').catch(() => undefined);
    return { id: entry.id, backlog: o.backlog, groups: spec.groups ?? null, filled, fillMs, enqueueMs, processMs, latency, claims, idleClaimMs, peakRssBytes, aofBytesPerJob };
  } finally {
    child?.kill();
    active.delete(spec.namespace);
    await driver.cleanup(spec).catch((e: unknown) => log(`  cleanup of ${spec.namespace} failed: ${String(e)}`));
  }
}

/** What the table shows for a contender over its rounds. */
export interface Aggregate {
  id: string;
  rounds: number;
  enqueuePerSec: number;
  processPerSec: number;
  /** Per-round process rates, to judge the noise. */
  processPerSecRounds: number[];
  latencyMode: string | null;
  p50Ms: number | null;
  p99Ms: number | null;
  latencySamples: number;
  /** Every latency series, pooled over rounds. */
  latency: { mode: string; p50Ms: number; p99Ms: number; samples: number }[];
  peakRssBytes: number | null;
  claimP50Ms: number | null;
  claimP99Ms: number | null;
  claimJobsPerCall: number | null;
  idleClaimP50Ms: number | null;
  fillMs: number | null;
  filled: number | null;
  /** Redis: AOF bytes per job (enqueue and process), median of rounds; null elsewhere. */
  aofBytesPerJob: number | null;
}

/** Medians of the rates over rounds, latency samples pooled, the largest peak RSS, claim p50 the median of rounds. */
export function aggregate(id: string, jobs: number, runs: RunResult[]): Aggregate {
  const rate = (ms: number) => (jobs * 1000) / ms;
  const modes = new Map<string, number[]>();
  for (const r of runs) for (const s of r.latency) modes.set(s.mode, [...(modes.get(s.mode) ?? []), ...s.samples]);
  const latency = [...modes].map(([mode, samples]) => ({ mode, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), samples: samples.length }));
  const first = latency[0] ?? null;
  const rss = runs.map((r) => r.peakRssBytes).filter((v): v is number => v !== null);
  const claims = runs.map((r) => r.claims).filter((c): c is ClaimSummary => c !== null);
  const idle = runs.flatMap((r) => r.idleClaimMs ?? []);
  const fills = runs.map((r) => r.fillMs).filter((v): v is number => v !== null);
  const aofs = runs.map((r) => r.aofBytesPerJob ?? null).filter((v): v is number => v !== null);
  return {
    id,
    rounds: runs.length,
    enqueuePerSec: median(runs.map((r) => rate(r.enqueueMs))),
    processPerSec: median(runs.map((r) => rate(r.processMs))),
    processPerSecRounds: runs.map((r) => Math.round(rate(r.processMs))),
    latencyMode: first?.mode ?? null,
    p50Ms: first?.p50Ms ?? null,
    p99Ms: first?.p99Ms ?? null,
    latencySamples: first?.samples ?? 0,
    latency,
    peakRssBytes: rss.length > 0 ? Math.max(...rss) : null,
    claimP50Ms: claims.length > 0 ? median(claims.map((c) => c.p50Ms)) : null,
    claimP99Ms: claims.length > 0 ? median(claims.map((c) => c.p99Ms)) : null,
    claimJobsPerCall: claims.length > 0 ? median(claims.map((c) => c.jobsPerCall)) : null,
    idleClaimP50Ms: idle.length > 0 ? percentile(idle, 50) : null,
    fillMs: fills.length > 0 ? median(fills) : null,
    filled: runs[0]?.filled ?? null,
    aofBytesPerJob: aofs.length > 0 ? median(aofs) : null,
  };
}
