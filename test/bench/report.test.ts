import { describe, expect, it } from 'vitest';
import type { Contender } from '../../bench/contenders.js';
import { backlogGoals, backlogRatios, formatTable, goals, metricRatios, rowRatios, type Row } from '../../bench/harness/report.js';
import { aggregate, summariseClaims, type Aggregate, type RunResult } from '../../bench/harness/run.js';

function agg(partial: Partial<Aggregate>): Aggregate {
  return {
    id: 'x', rounds: 1, enqueuePerSec: 0, processPerSec: 0, processPerSecRounds: [], latencyMode: null, p50Ms: null, p99Ms: null,
    latencySamples: 0, latency: [], peakRssBytes: null, claimP50Ms: null, claimP99Ms: null, claimJobsPerCall: null, idleClaimP50Ms: null,
    fillMs: null, filled: null, aofBytesPerJob: null, ...partial,
  };
}

function row(id: string, role: Contender['role'], contender: string, a: Partial<Aggregate>, extra: Partial<Contender> = {}): Row {
  const [store] = id.split('/') as [Contender['store']];
  return { entry: { id, store, role, contender, config: '', module: '', variant: '', ...extra }, agg: agg(a) };
}

const rows: Row[] = [
  row('postgres/ceiling', 'ceiling', 'ceiling', { processPerSec: 10_000 }),
  row('postgres/hourglass', 'hourglass', 'hourglass', { processPerSec: 6_000, enqueuePerSec: 50_000, p50Ms: 1, p99Ms: 4, peakRssBytes: 100 }, { primary: true }),
  row('postgres/hourglass-prefetch100', 'hourglass', 'hourglass', { processPerSec: 7_000 }),
  row('postgres/graphile-tuned', 'peer', 'graphile-worker 0.17', { processPerSec: 3_000, enqueuePerSec: 25_000, p50Ms: 2, p99Ms: 8, peakRssBytes: 50 }),
  row('postgres/pgboss', 'peer', 'pg-boss 10', { processPerSec: 4_000, enqueuePerSec: 100_000, p50Ms: 250, p99Ms: 500, peakRssBytes: 200 }),
];

describe('bench report', () => {
  it('compares a row with its ceiling and with the fastest row of another library', () => {
    const r = rowRatios(rows, rows[1]!);
    expect(r.toCeiling).toBeCloseTo(0.6);
    expect(r.bestPeerId).toBe('postgres/pgboss'); // not the other hourglass row
    expect(r.toBestPeer).toBeCloseTo(1.5);
    const peer = rowRatios(rows, rows[3]!);
    expect(peer.bestPeerId).toBe('postgres/hourglass-prefetch100');
    expect(rowRatios(rows, rows[0]!)).toMatchObject({ toCeiling: null, toBestPeer: null });
  });

  it('takes the best peer per metric, in the right direction', () => {
    const m = Object.fromEntries(metricRatios(rows, 'postgres').map((x) => [x.metric, x]));
    expect(m['enqueue/s']).toMatchObject({ value: 0.5, bestPeerId: 'postgres/pgboss' });
    expect(m['p50']).toMatchObject({ value: 0.5, bestPeerId: 'postgres/graphile-tuned' });
    expect(m['peak RSS']).toMatchObject({ value: 2, bestPeerId: 'postgres/graphile-tuned' });
  });

  it('judges the goals on the primary hourglass row', () => {
    const g = Object.fromEntries(goals(rows).map((x) => [x.goal, x]));
    expect(g['PostgreSQL: hourglass ≥ 0.6 × SKIP LOCKED ceiling']).toMatchObject({ met: true });
    expect(g['PostgreSQL: hourglass ≥ 1.5 × graphile-worker tuned']).toMatchObject({ value: 2, met: true });
    expect(g['postgres: hourglass p99 enqueue→start ≤ 5 ms (idle workers)']).toMatchObject({ value: 4, met: true });
    expect(Object.keys(g).some((k) => k.startsWith('SQLite'))).toBe(false);
  });

  it('backlog ratios and their goals', () => {
    const ref = { ...agg({ processPerSec: 1000, claimP50Ms: 2, p50Ms: 1 }), backlog: 10_000 };
    const big = { ...agg({ processPerSec: 850, claimP50Ms: 2.6, p50Ms: 1.5 }), backlog: 1_000_000 };
    const r = backlogRatios('sqlite', ref, big);
    expect(r.process).toBeCloseTo(0.85);
    expect(backlogGoals(r).map((g) => g.met)).toEqual([true, false, true]);
  });

  it('aggregates rounds: median rates, pooled latency, largest RSS', () => {
    const run = (processMs: number, samples: number[], rss: number): RunResult => ({
      id: 'a', backlog: null, filled: null, fillMs: null, enqueueMs: 100, processMs, latency: [{ mode: 'm', samples }], claims: null, idleClaimMs: null, peakRssBytes: rss,
    });
    const a = aggregate('a', 1000, [run(100, [1, 2], 10), run(200, [3], 30), run(50, [4], 20)]);
    expect(a.processPerSec).toBe(10_000);
    expect(a.latencySamples).toBe(4);
    expect(a.p50Ms).toBe(2);
    expect(a.peakRssBytes).toBe(30);
    expect(summariseClaims({ ms: [1, 3], jobs: [10, 0] })).toMatchObject({ calls: 2, meanMs: 2, jobsPerCall: 5 });
    expect(summariseClaims({ ms: [], jobs: [] })).toBeNull();
  });

  it('formats a table with numbers right-aligned', () => {
    const text = formatTable(['name', 'rate'], [['a', '1,000'], ['bb', '5']]);
    expect(text.split('\n')).toEqual(['name |  rate', '-----|------', 'a    | 1,000', 'bb   |     5']);
  });
});
