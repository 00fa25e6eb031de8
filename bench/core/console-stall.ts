/**
 * bench/core/console-stall: what the dashboard's polling costs a SQLite process at a big backlog. docs/performance.md
 * "The console at a big backlog" reads it.
 *
 * A fresh file (the store's defaults) gets --jobs rows straight into the table: half pending and due in an hour,
 * half completed, nine in ten of them named `noop`, the rest `other`. Then a Scheduler with its worker running
 * (concurrency 5, handlers for both names) and the HTTP API on a free port; the overview (`GET /stats`) and a page
 * of jobs (`GET /jobs?limit=20`) are fetched together --polls times, one poll after another, while
 * `monitorEventLoopDelay` watches the process's event loop: the longest stall is what every claim, settle,
 * heartbeat and request of the process waited for.
 *
 * Run: node --import tsx bench/core/console-stall.ts [--jobs 1000000] [--polls 10]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { serve } from '../../src/http/serve.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '1000000' }, polls: { type: 'string', default: '10' } } });
const N = Number(values.jobs);
const POLLS = Number(values.polls);

const dir = mkdtempSync(join(tmpdir(), 'hourglass-console-stall-'));
const path = join(dir, 'jobs.db');
try {
  const store = new SqliteStore({ path });
  await store.migrate();
  const db = new Database(path);
  const now = Date.now();
  const t0 = performance.now();
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < @count)
       INSERT INTO hourglass_jobs (name, data, priority, due_at, next_run_at, created_at, updated_at, status, last_finished_at)
       SELECT CASE WHEN i % 10 = 0 THEN 'other' ELSE 'noop' END, json_object('i', i), 0, @due, @due, @now, @now,
              CASE WHEN i % 2 = 0 THEN 'completed' ELSE 'pending' END, CASE WHEN i % 2 = 0 THEN @now END
       FROM s`,
    ).run({ count: N, due: now + 3_600_000, now });
  }).immediate();
  // A long-lived file's state: statistics present, the fill's pages out of the WAL.
  db.exec('ANALYZE');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  console.log(`${N.toLocaleString('en-US')} jobs written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const scheduler = new Scheduler({ store, logger: silentLogger, concurrency: 5 });
  scheduler.define('noop', async () => undefined);
  scheduler.define('other', async () => undefined);
  await scheduler.start();
  const server = await serve(scheduler, { port: 0 });
  try {
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const polls: number[] = [];
    for (let i = 0; i < POLLS; i++) {
      const t = performance.now();
      const answers = await Promise.all([fetch(`${server.url}stats`), fetch(`${server.url}jobs?limit=20`)]);
      for (const answer of answers) {
        if (!answer.ok) throw new Error(`${answer.url}: ${answer.status} ${await answer.text()}`);
        await answer.arrayBuffer();
      }
      polls.push(performance.now() - t);
    }
    loop.disable();
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    console.log(`each poll (overview + a page of jobs): ${polls.map((p) => p.toFixed(0)).join(' ')} ms`);
    console.log(`event loop delay while polling: max ${ms(loop.max)} ms, p99 ${ms(loop.percentile(99))} ms, mean ${ms(loop.mean)} ms`);
    // The process's peak resident memory (the kernel's VmHWM): the worker, the HTTP server and the reads' thread.
    const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (peak) console.log(`peak RSS ${(Number(peak[1]) / 1024).toFixed(0)} MB`);
  } finally {
    await server.close();
    await scheduler.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
