/**
 * bench/core/settle-indexes: what the finished-job indexes cost a SQLite settle (docs/performance.md).
 *
 * For each case, a fresh file (WAL, synchronous NORMAL, so the figure is CPU and not the disk's fsync) gets
 * --jobs due jobs through the store's insert, the case's indexes are dropped, every job is claimed (500 a
 * claim), and then settled as completed with a history record, 100 a settle call (the worker's batches). The
 * figure is the process's CPU (user + system) per settled job over the settles alone, median of --rounds;
 * the cases alternate within each round so a burst of load elsewhere does not favour one.
 *
 * Run: node --import tsx bench/core/settle-indexes.ts [--jobs 20000] [--rounds 5]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { silentLogger } from '../../src/core/logger.js';
import type { ClaimedJob, NewJob } from '../../src/core/store.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } } });
const N = Number(values.jobs);
const ROUNDS = Number(values.rounds);

const FINISHED = ['hourglass_jobs_finished', 'hourglass_jobs_finished_name', 'hourglass_jobs_finished_at'];
const CASES: [string, string[]][] = [
  ['every index', []],
  ['without the three finished indexes', FINISHED],
  ...FINISHED.map((index): [string, string[]] => [`without ${index}`, [index]]),
];

async function once(drop: string[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'hourglass-settle-indexes-'));
  const path = join(dir, 'jobs.db');
  const store = new SqliteStore({ path, synchronous: 'normal' });
  try {
    await store.init({ logger: silentLogger });
    const t0 = Date.now();
    const jobs: NewJob[] = Array.from({ length: N }, (_, i) => ({
      name: 'noop', data: { i }, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null,
      repeatKey: null, dedupeKey: null, label: null, dueAt: t0 - 1_000, nextRunAt: t0 - 1_000,
    }));
    await store.insert(jobs, t0 - 2_000);
    const db = new Database(path);
    for (const index of drop) db.exec(`DROP INDEX ${index}`);
    db.close();
    const claimed: ClaimedJob[] = [];
    while (claimed.length < N) {
      const batch = await store.claim({ now: t0, workerId: 'w', lockToken: randomUUID(), limit: 500, names: ['noop'], limits: [], lockLifetimeMs: 60_000 });
      if (batch.length === 0) break;
      claimed.push(...batch);
    }
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < claimed.length; i += 100) {
      await store.settle(
        claimed.slice(i, i + 100).map((job) => ({
          id: job.id, lockToken: job.lockToken, status: 'completed' as const, finishedAt: t0 + 1, maxAttempts: 3,
          history: { status: 'completed' as const, attempt: 1, startedAt: t0, completedAt: t0 + 1, error: null, stack: null, result: null, workerId: 'w' },
        })),
      );
    }
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / claimed.length;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [label, drop] of CASES) {
    const list = results.get(label) ?? [];
    list.push(await once(drop));
    results.set(label, list);
  }
}
process.stdout.write(`node ${process.version}, ${N} jobs, settle CPU per job (µs), median of ${ROUNDS}\n`);
for (const [label, list] of results) {
  const sorted = [...list].sort((a, b) => a - b);
  process.stdout.write(`${label.padEnd(44)} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1).padStart(6)}   (${list.map((x) => x.toFixed(1)).join(' ')})\n`);
}
