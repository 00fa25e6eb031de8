/**
 * bench/core/node-cost-ab: the worker's CPU per job on the null store, for two (or more) source trees in one
 * process, alternating round by round, so both meet the same load (on a shared machine, runs in separate
 * processes minutes apart differ by more than most changes). Each tree is a directory holding `src/` and
 * `bench/core/null-store.ts`, e.g. `git archive <commit> | tar -x -C /tmp/before` with node_modules linked.
 *
 * Run: node --import tsx bench/core/node-cost-ab.ts /tmp/before /tmp/after [--jobs 50000] [--rounds 7] [--store sqlite]
 * Prints, per tree, the median and lowest CPU per job (user + system, the whole process: core and store) and the
 * median jobs/s. `--store sqlite`: each tree's own SqliteStore on a fresh file (WAL, synchronous FULL) per run,
 * the jobs enqueued before the measured span, as node-cost.ts does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { jobs: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '7' }, store: { type: 'string', default: 'null' } } });
if (values.store !== 'null' && values.store !== 'sqlite') throw new Error('--store null | sqlite');
const dir = mkdtempSync(join(tmpdir(), 'node-cost-ab-'));
let files = 0;
const JOBS = Number(values.jobs);
const ROUNDS = Number(values.rounds);

interface Tree {
  dir: string;
  // Each tree's own modules: their types may differ from this tree's.
  core: { Scheduler: new (options: object) => any; silentLogger: unknown };
  nullStore: { NullStore: new () => unknown };
  sqlite: { SqliteStore: new (options: { path: string }) => unknown };
}

const trees: Tree[] = await Promise.all(
  positionals.map(async (dir) => ({
    dir,
    core: await import(resolve(dir, 'src/index.ts')),
    nullStore: await import(resolve(dir, 'bench/core/null-store.ts')),
    sqlite: await import(resolve(dir, 'src/stores/sqlite/index.ts')),
  })),
);

async function once(tree: Tree, jobs: number): Promise<{ us: number; rate: number }> {
  const store = values.store === 'sqlite' ? new tree.sqlite.SqliteStore({ path: join(dir, `${files++}.db`) }) : new tree.nullStore.NullStore();
  const scheduler = new tree.core.Scheduler({ store, concurrency: 10, logger: tree.core.silentLogger });
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((r) => (finished = r));
  scheduler.define('noop', async () => {
    if (++done === jobs) finished();
  });
  await scheduler.scheduleBulk(Array.from({ length: jobs }, (_, i) => ({ name: 'noop', data: { i } })));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await scheduler.start();
  await all;
  await scheduler.stop();
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  await scheduler.close();
  return { us: (cpu.user + cpu.system) / jobs, rate: (jobs / ms) * 1000 };
}

for (const tree of trees) for (let i = 0; i < 2; i++) await once(tree, 5_000); // warm up the JIT
const results = new Map<string, { us: number[]; rate: number[] }>(trees.map((t) => [t.dir, { us: [], rate: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  for (const tree of round % 2 === 0 ? trees : [...trees].reverse()) {
    const r = await once(tree, JOBS);
    results.get(tree.dir)!.us.push(r.us);
    results.get(tree.dir)!.rate.push(r.rate);
  }
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[list.length >> 1]!;
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`node ${process.version}, ${values.store} store, ${JOBS} jobs, ${ROUNDS} rounds, CPU per job (µs)\n`);
for (const [dir, r] of results) {
  process.stdout.write(`${dir.padEnd(24)} median ${median(r.us).toFixed(1).padStart(5)}  lowest ${Math.min(...r.us).toFixed(1).padStart(5)}  jobs/s ${String(Math.round(median(r.rate))).padStart(6)}  (${r.us.map((x) => x.toFixed(1)).join(' ')})\n`);
}
