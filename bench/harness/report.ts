/** The table, the ratios and the goals, from the aggregates: pure, so test/bench checks the arithmetic. */
import type { Contender } from '../contenders.js';
import type { Aggregate } from './run.js';
import { best, ratio } from './stats.js';

export interface Row {
  entry: Contender;
  agg: Aggregate;
}

export interface RowRatios {
  /** process/s ÷ the store's ceiling (the one the entry names, else the store's first). */
  toCeiling: number | null;
  ceilingId: string | null;
  /** process/s ÷ the fastest row of another library on the same store (ceilings excluded). */
  toBestPeer: number | null;
  bestPeerId: string | null;
}

export function rowRatios(rows: readonly Row[], row: Row): RowRatios {
  const sameStore = rows.filter((r) => r.entry.store === row.entry.store);
  let toCeiling: number | null = null;
  let ceilingId: string | null = null;
  if (row.entry.role !== 'ceiling') {
    const ceiling = sameStore.find((r) => r.entry.id === row.entry.ceiling) ?? sameStore.find((r) => r.entry.role === 'ceiling');
    if (ceiling) {
      toCeiling = ratio(row.agg.processPerSec, ceiling.agg.processPerSec);
      ceilingId = ceiling.entry.id;
    }
  }
  const others = sameStore.filter((r) => r.entry.role !== 'ceiling' && r.entry.contender !== row.entry.contender);
  const fastest = row.entry.role === 'ceiling' ? null : best(others, (r) => r.agg.processPerSec, true);
  return {
    toCeiling,
    ceilingId,
    toBestPeer: fastest ? ratio(row.agg.processPerSec, fastest.value) : null,
    bestPeerId: fastest?.row.entry.id ?? null,
  };
}

export interface MetricRatio {
  metric: 'enqueue/s' | 'process/s' | 'p50' | 'p99' | 'peak RSS';
  /** hourglass ÷ the best peer on that metric: above 1 is better for rates, below 1 for latency and RSS. */
  value: number | null;
  bestPeerId: string | null;
}

/** The store's primary hourglass row against the best peer on each metric. */
export function metricRatios(rows: readonly Row[], store: string): MetricRatio[] {
  const hg = rows.find((r) => r.entry.store === store && r.entry.primary);
  const peers = rows.filter((r) => r.entry.store === store && r.entry.role === 'peer');
  if (!hg || peers.length === 0) return [];
  const metrics: [MetricRatio['metric'], (a: Aggregate) => number | null, boolean][] = [
    ['enqueue/s', (a) => a.enqueuePerSec, true],
    ['process/s', (a) => a.processPerSec, true],
    ['p50', (a) => a.p50Ms, false],
    ['p99', (a) => a.p99Ms, false],
    ['peak RSS', (a) => a.peakRssBytes, false],
  ];
  return metrics.map(([metric, value, higher]) => {
    const b = best(peers, (r) => value(r.agg), higher);
    return { metric, value: b ? ratio(value(hg.agg), b.value) : null, bestPeerId: b?.row.entry.id ?? null };
  });
}

export interface Goal {
  goal: string;
  value: number | null;
  /** Shown with the value: '×', 'jobs/s', 'ms'. */
  unit: string;
  met: boolean | null;
}

const byId = (rows: readonly Row[], id: string) => rows.find((r) => r.entry.id === id) ?? null;
const primary = (rows: readonly Row[], store: string) => rows.find((r) => r.entry.store === store && r.entry.primary) ?? null;

function judge(goal: string, value: number | null, unit: string, ok: (v: number) => boolean): Goal {
  return { goal, value, unit, met: value === null ? null : ok(value) };
}

/** The goals of issue 16 that the standard table can show; a goal whose rows did not run is left out. */
export function goals(rows: readonly Row[]): Goal[] {
  const out: Goal[] = [];
  const sq = primary(rows, 'sqlite');
  if (sq) {
    out.push(judge('SQLite: hourglass ≥ 100,000 jobs/s', sq.agg.processPerSec, 'jobs/s', (v) => v >= 100_000));
    const full = byId(rows, 'sqlite/ceiling-full');
    if (full) out.push(judge('SQLite: hourglass ≥ 0.5 × ceiling (FULL)', ratio(sq.agg.processPerSec, full.agg.processPerSec), '×', (v) => v >= 0.5));
  }
  const pg = primary(rows, 'postgres');
  if (pg) {
    const ceiling = byId(rows, 'postgres/ceiling');
    if (ceiling) out.push(judge('PostgreSQL: hourglass ≥ 0.6 × SKIP LOCKED ceiling', ratio(pg.agg.processPerSec, ceiling.agg.processPerSec), '×', (v) => v >= 0.6));
    const tuned = byId(rows, 'postgres/graphile-tuned');
    if (tuned) out.push(judge('PostgreSQL: hourglass ≥ 1.5 × graphile-worker tuned', ratio(pg.agg.processPerSec, tuned.agg.processPerSec), '×', (v) => v >= 1.5));
  }
  const rd = primary(rows, 'redis');
  const bull = byId(rows, 'redis/bullmq');
  if (rd && bull) out.push(judge('Redis: hourglass ≥ 2 × BullMQ 6', ratio(rd.agg.processPerSec, bull.agg.processPerSec), '×', (v) => v >= 2));
  for (const store of ['sqlite', 'postgres', 'redis']) {
    const hg = primary(rows, store);
    if (hg && hg.agg.p99Ms !== null) out.push(judge(`${store}: hourglass p99 enqueue→start ≤ 5 ms (idle workers)`, hg.agg.p99Ms, 'ms', (v) => v <= 5));
  }
  return out;
}

export interface BacklogRatios {
  store: string;
  reference: number;
  backlog: number;
  /** big ÷ reference; goals: process ≥ 0.8, claim ≤ 1.2 (within 20 %), p50 ≤ 2. */
  process: number | null;
  claimP50: number | null;
  idleClaimP50: number | null;
  p50: number | null;
  p99: number | null;
}

export function backlogRatios(store: string, reference: Aggregate & { backlog: number }, big: Aggregate & { backlog: number }): BacklogRatios {
  return {
    store,
    reference: reference.backlog,
    backlog: big.backlog,
    process: ratio(big.processPerSec, reference.processPerSec),
    claimP50: ratio(big.claimP50Ms, reference.claimP50Ms),
    idleClaimP50: ratio(big.idleClaimP50Ms, reference.idleClaimP50Ms),
    p50: ratio(big.p50Ms, reference.p50Ms),
    p99: ratio(big.p99Ms, reference.p99Ms),
  };
}

export function backlogGoals(r: BacklogRatios): Goal[] {
  const label = `${r.store}, backlog ${r.backlog.toLocaleString('en-US')} vs ${r.reference.toLocaleString('en-US')}`;
  return [
    judge(`${label}: process rate at most 20 % lower`, r.process, '×', (v) => v >= 0.8),
    judge(`${label}: claim time at most 20 % higher`, r.claimP50, '×', (v) => v <= 1.2),
    judge(`${label}: p50 latency at most 2×`, r.p50, '×', (v) => v <= 2),
  ];
}

/** Plain text table: a header row, then rows; numbers right-aligned. */
export function formatTable(header: string[], body: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => (r[c] ?? '').length)));
  const numeric = header.map((_, c) => body.every((r) => /^[-—\d.,×%]*\s*[a-zA-Z/×%]*$/.test(r[c] ?? '') && /\d|—/.test(r[c] ?? '')));
  const line = (cells: string[]) => cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

export const fmt = {
  rate: (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : Math.round(v).toLocaleString('en-US')),
  ms: (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)),
  mb: (v: number | null) => (v === null ? '—' : `${(v / 1024 / 1024).toFixed(0)} MB`),
  x: (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : `${v.toFixed(2)}×`),
};
