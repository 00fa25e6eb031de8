/** Shared helpers of the PostgreSQL benchmark: connection, schema cleanup, timing and percentiles. */
import pg from 'pg';

export const PG_URL = process.env.HOURGLASS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
export const CONCURRENCY = 10;
export const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);

export interface Throughput {
  contender: string;
  config: string;
  enqueueMs: number;
  processMs: number;
}

export interface Latency {
  contender: string;
  mode: string;
  samples: number[];
}

export async function sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`benchmark timed out waiting for ${what}`);
    await sleep(2);
  }
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * Latency of one job at a time through idle workers: `enqueue(resolveStart)` adds a job whose handler calls
 * resolveStart(); we time from just before the enqueue call to the handler's first line.
 */
export async function measureLatency(samples: number, enqueue: (onStart: () => void) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    let started!: () => void;
    const start = new Promise<void>((r) => (started = r));
    const t0 = performance.now();
    let t1 = 0;
    await enqueue(() => {
      t1 = performance.now();
      started();
    });
    await start;
    out.push(t1 - t0);
    await sleep(3); // let settles finish: workers are idle again when the next job arrives
  }
  return out;
}
