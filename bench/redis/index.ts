/**
 * hourglass/redis beside BullMQ on the same Redis server, in one run (npm run bench:redis).
 *   throughput: bulk-enqueue 20,000 no-op jobs, then process them at concurrency 10 (workers start after the
 *               enqueue, so this measures claiming and settling, not enqueueing)
 *   latency:    enqueue one job at a time into idle workers; enqueue call → handler start, p50 / p99
 * Each library gets its own random key prefix per round, deleted at the end. HOURGLASS_REDIS_URL picks the
 * server. A shared machine makes single runs noisy, so the two run BENCH_ROUNDS times, alternating which goes
 * first, and the table shows medians (processing, enqueue) and pooled percentiles (latency).
 * Env: BENCH_JOBS (20000), BENCH_CONCURRENCY (10), BENCH_LATENCY_SAMPLES (300 per round), BENCH_ROUNDS (3).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { benchBullmq } from './bullmq.js';
import { benchHourglass } from './hourglass.js';

export interface BenchConfig {
  url: string;
  jobs: number;
  concurrency: number;
  latencySamples: number;
}

export interface BenchResult {
  enqueueMs: number;
  processMs: number;
  latencies: number[];
  /** Optional second latency series (hourglass: producer in another Scheduler, so the wake-up goes via pub/sub). */
  remoteLatencies?: number[];
}

const config: BenchConfig = {
  url: process.env.HOURGLASS_REDIS_URL ?? 'redis://127.0.0.1:6379',
  jobs: Number(process.env.BENCH_JOBS ?? 20_000),
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 10),
  latencySamples: Number(process.env.BENCH_LATENCY_SAMPLES ?? 300),
};
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function deleteMatching(url: string, pattern: string): Promise<void> {
  const client = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  await client.quit();
}

const rate = (jobs: number, ms: number) => Math.round((jobs / ms) * 1000);
const ms = (v: number) => `${v.toFixed(2)} ms`;

const median = (values: number[]) => percentile(values, 50);

/** Medians of the timings and all latency samples pooled, over several rounds. */
function combine(results: BenchResult[]): BenchResult {
  return {
    enqueueMs: median(results.map((r) => r.enqueueMs)),
    processMs: median(results.map((r) => r.processMs)),
    latencies: results.flatMap((r) => r.latencies),
    ...(results[0]?.remoteLatencies ? { remoteLatencies: results.flatMap((r) => r.remoteLatencies ?? []) } : {}),
  };
}

async function main(): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  process.stdout.write(`redis ${config.url}: ${config.jobs} no-op jobs at concurrency ${config.concurrency}, ` +
    `${config.latencySamples} latency samples, ${rounds} rounds\n`);
  const hgRuns: BenchResult[] = [];
  const bullRuns: BenchResult[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const runHg = async () => hgRuns.push(await benchHourglass(config, `hgbench${tag}r${round}`));
      const runBull = async () => bullRuns.push(await benchBullmq(config, `bullbench${tag}r${round}`));
      if (round % 2 === 0) await runHg().then(runBull);
      else await runBull().then(runHg);
      const last = (r: BenchResult[]) => rate(config.jobs, r[r.length - 1]!.processMs);
      process.stdout.write(`round ${round + 1}: process hourglass ${last(hgRuns)}/s, BullMQ ${last(bullRuns)}/s\n`);
    }
  } finally {
    await deleteMatching(config.url, `{hgbench${tag}*`);
    await deleteMatching(config.url, `bullbench${tag}*`);
  }
  const hg = combine(hgRuns);
  const bull = combine(bullRuns);

  const rows = [
    ['', 'hourglass/redis', 'BullMQ', 'hourglass ÷ BullMQ'],
    ['enqueue (jobs/s)', rate(config.jobs, hg.enqueueMs), rate(config.jobs, bull.enqueueMs), (bull.enqueueMs / hg.enqueueMs).toFixed(2)],
    ['process (jobs/s)', rate(config.jobs, hg.processMs), rate(config.jobs, bull.processMs), (bull.processMs / hg.processMs).toFixed(2)],
    ['latency p50', ms(percentile(hg.latencies, 50)), ms(percentile(bull.latencies, 50)), (percentile(hg.latencies, 50) / percentile(bull.latencies, 50)).toFixed(2)],
    ['latency p99', ms(percentile(hg.latencies, 99)), ms(percentile(bull.latencies, 99)), (percentile(hg.latencies, 99) / percentile(bull.latencies, 99)).toFixed(2)],
  ];
  if (hg.remoteLatencies) {
    rows.push(['latency p50, producer elsewhere', ms(percentile(hg.remoteLatencies, 50)), '', (percentile(hg.remoteLatencies, 50) / percentile(bull.latencies, 50)).toFixed(2)]);
    rows.push(['latency p99, producer elsewhere', ms(percentile(hg.remoteLatencies, 99)), '', (percentile(hg.remoteLatencies, 99) / percentile(bull.latencies, 99)).toFixed(2)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, c) => String(cell).padEnd(widths[c]!)).join('  ')}\n`);
  const processRatio = bull.processMs / hg.processMs;
  const p50Ratio = percentile(hg.latencies, 50) / percentile(bull.latencies, 50);
  process.stdout.write(`goal processing ≥ 1.2× BullMQ: ${processRatio >= 1.2 ? 'met' : 'NOT met'} (${processRatio.toFixed(2)}×); ` +
    `goal p50 ≤ BullMQ: ${p50Ratio <= 1 ? 'met' : 'NOT met'} (${p50Ratio.toFixed(2)}×)\n`);
}

await main();
