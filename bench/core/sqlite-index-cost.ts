/**
 * bench/core/sqlite-index-cost: what the SQLite store's optional-looking indexes cost a whole worker run, not
 * only a settle (settle-indexes.ts does that). docs/performance.md "What the unmet goals would take" reads it.
 *
 * For each case, a fresh file (the store's defaults: WAL, synchronous FULL) gets --jobs due no-op jobs through
 * scheduleBulk, the case's indexes are dropped, and a Scheduler (concurrency 10, the store's default prefetch)
 * runs them all. The figures are the worker's process CPU (user + system) per job and jobs/s over the run,
 * medians of --rounds; the cases alternate within each round so a burst of load elsewhere does not favour one.
 * One process runs producer and worker (the producer is idle while the worker runs).
 *
 * Run: node --import tsx bench/core/sqlite-index-cost.ts [--jobs 40000] [--rounds 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '40000' }, rounds: { type: 'string', default: '5' } } });
const N = Number(values.jobs);
const ROUNDS = Number(values.rounds);

const FINISHED = ['hourglass_jobs_finished', 'hourglass_jobs_finished_name', 'hourglass_jobs_finished_at'];
/** The pending jobs of every name in claim order: only a worker with a fallback handler reads it. */
const ANY_NAME = 'hourglass_jobs_claim';
const CASES: [string, string[]][] = [
  ['every index', []],
  ['without the three finished indexes', FINISHED],
  [`without ${ANY_NAME}`, [ANY_NAME]],
  ['without all four', [...FINISHED, ANY_NAME]],
];

async function once(drop: string[]): Promise<{ cpu: number; rate: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hourglass-index-cost-'));
  const path = join(dir, 'jobs.db');
  const producer = new Scheduler({ store: new SqliteStore({ path }), logger: silentLogger });
  const worker = new Scheduler({ store: new SqliteStore({ path }), concurrency: 10, logger: silentLogger });
  try {
    await producer.scheduleBulk(Array.from({ length: N }, (_, i) => ({ name: 'noop', data: { i } })));
    const db = new Database(path);
    for (const index of drop) db.exec(`DROP INDEX ${index}`);
    db.close();
    let done = 0;
    let finished!: () => void;
    const all = new Promise<void>((resolve) => (finished = resolve));
    worker.define('noop', async () => {
      if (++done === N) finished();
    });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await worker.start();
    await all;
    const cpu = process.cpuUsage(cpu0);
    const ms = performance.now() - t0;
    return { cpu: (cpu.user + cpu.system) / N, rate: (N / ms) * 1000 };
  } finally {
    await worker.stop();
    await producer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
const results = new Map<string, { cpu: number; rate: number }[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [label, drop] of CASES) {
    const list = results.get(label) ?? [];
    list.push(await once(drop));
    results.set(label, list);
  }
}
process.stdout.write(`node ${process.version}, ${N} jobs a run, worker CPU per job and jobs/s, medians of ${ROUNDS}\n`);
for (const [label, list] of results) {
  const cpu = median(list.map((r) => r.cpu));
  const rate = median(list.map((r) => r.rate));
  process.stdout.write(`${label.padEnd(40)} ${cpu.toFixed(1).padStart(6)} µs ${rate.toFixed(0).padStart(8)} jobs/s   (${list.map((r) => r.cpu.toFixed(1)).join(' ')})\n`);
}
