/**
 * bench/core/node-cost: what the worker costs per job in Node, through the public Scheduler API.
 *
 * N no-op jobs are bulk-enqueued (not measured), then the scheduler starts and runs them all; the measured
 * span ends when stop() returns (every outcome settled). For each store it prints jobs/s, the process's CPU
 * per job (process.cpuUsage: user + system), and how much of that was spent inside the store's own calls
 * (CPU measured around each store method's synchronous part: SQLite and the memory model do all their work
 * before they return a promise), so "core" = CPU − store is the scheduler's own cost.
 *
 * Stores: `null` (bench/core/null-store.ts: a claim is an array slice, a settle is forgotten: the core alone),
 * `memory` (the reference model; its claim reads every row, so it runs at most --memory-jobs jobs), and
 * `sqlite` (a temp file, WAL, synchronous FULL as by default; or `--sqlite memory` for ':memory:'), and `redis`
 * (HOURGLASS_REDIS_URL or 127.0.0.1:6379, a key prefix of its own removed afterwards; "store" is then only the
 * calls' synchronous part, encoding and sending, and the server's own CPU per job is printed beside it), and
 * `postgres` (HOURGLASS_PG_URL or 127.0.0.1:5432/test, a schema of its own dropped afterwards; "store" is again
 * only the calls' synchronous part).
 *
 * Run: node --import tsx bench/core/node-cost.ts [--jobs 200000] [--concurrency 10] [--stores null,sqlite,memory]
 *      [--prefetch N] (the scheduler's option; default the store's defaultPrefetch, at least 10 × concurrency) [--events] (count completions with a job:complete listener, as bench/sqlite does, which builds a job
 *      view per run) [--rounds 3] (best of)
 * Timeline: --timeline adds, per store, each kind of call's median duration and the share of the run it was in flight
 *          (from the call to its promise settling: for SQLite, whose work is synchronous, that is its work), the
 *          share with any in flight, and how busy the event loop was: whether claims, settles and handlers overlap
 *          or take turns (bench/core/timeline.ts).
 * Profile: --cpu-prof <dir> / --heap-prof <dir> write a .cpuprofile / .heapprofile of the measured span only
 *          (the last round of each store; not the enqueue), as node's flags of the same names would for the whole
 *          process. Open them in Chrome DevTools, or summarise a CPU profile with bench/core/profile-top.ts.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Scheduler, silentLogger, type Store } from '../../src/index.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { NullStore } from './null-store.js';
import { describe, type Span } from './timeline.js';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/stores/redis/index.js';
import pg from 'pg';
import { PostgresStore } from '../../src/stores/postgres/index.js';

const REDIS_URL = process.env.HOURGLASS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.HOURGLASS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '200000' },
    'memory-jobs': { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '10' },
    prefetch: { type: 'string' },
    stores: { type: 'string', default: 'null,sqlite,memory' },
    sqlite: { type: 'string', default: 'file' },
    rounds: { type: 'string', default: '3' },
    events: { type: 'boolean', default: false },
    timeline: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'heap-prof': { type: 'string' },
  },
});
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), 'hourglass-node-cost-'));

/** Store methods whose synchronous part is timed (all the work, for the in-process stores). */
const TIMED = ['claim', 'settle', 'settleAndClaim', 'heartbeat', 'insert'] as const;

/** The calls whose spans --timeline records: the worker's hot path. */
const SPANNED = new Set(['claim', 'settle', 'settleAndClaim']);

/**
 * CPU (µs) spent inside the store's synchronous calls; CPU, not wall time: the machine may be shared. With
 * `spans`, also when each claim and settle was made and when its promise settled (wall time, --timeline).
 */
function timeStore(
  store: Store,
  spans: Record<string, Span[]> | null,
): { us: () => number; calls: Record<string, [calls: number, items: number]> } {
  let us = 0;
  const calls: Record<string, [number, number]> = {};
  const target = store as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of TIMED) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    const count = (calls[method] = [0, 0]);
    target[method] = function (this: unknown, ...args: unknown[]) {
      count[0]++;
      count[1] += Array.isArray(args[0]) ? args[0].length : 0;
      const t0 = process.cpuUsage();
      const started = performance.now();
      try {
        const result = original.apply(store, args);
        if (spans && SPANNED.has(method) && result instanceof Promise) {
          const list = (spans[method] ??= []);
          const end = () => void list.push([started, performance.now()]);
          result.then(end, end);
        }
        return result;
      } finally {
        const t = process.cpuUsage(t0);
        us += t.user + t.system;
      }
    };
  }
  return { us: () => us, calls };
}

interface Result {
  jobs: number;
  wallMs: number;
  cpuUs: number;
  storeUs: number;
  /** The server's CPU over the run (redis: INFO cpu; postgres: its processes' CPU from /proc). */
  serverUs: number | null;
  batches: string;
  /** --timeline: the store calls' spans and how busy the event loop was over the run. */
  timeline: string | null;
}

async function once(kind: string, jobs: number, round: number): Promise<Result> {
  const prefix = `hourglass-node-cost-${process.pid}-${round + 1}`;
  const store: Store =
    kind === 'null'
      ? new NullStore()
      : kind === 'memory'
        ? new MemoryStore()
        : kind === 'redis'
          ? new RedisStore({ url: REDIS_URL, prefix })
          : kind === 'postgres'
            ? new PostgresStore({ connectionString: PG_URL, schema: prefix.replaceAll('-', '_') })
          : new SqliteStore({ path: values.sqlite === 'memory' ? ':memory:' : join(dir, `${round}.db`) });
  const prefetch = values.prefetch === undefined ? {} : { prefetch: Number(values.prefetch) };
  const scheduler = new Scheduler({ store, concurrency: CONCURRENCY, logger: silentLogger, ...prefetch });
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((resolve) => (finished = resolve));
  if (values.events) {
    scheduler.define('noop', async () => undefined);
    scheduler.on('job:complete', () => {
      if (++done === jobs) finished();
    });
  } else {
    // The last handler to run ends the wait; stop() then settles every outcome still on its way.
    scheduler.define('noop', async () => {
      if (++done === jobs) finished();
    });
  }
  const CHUNK = 50_000;
  for (let i = 0; i < jobs; i += CHUNK) {
    await scheduler.scheduleBulk(Array.from({ length: Math.min(CHUNK, jobs - i) }, (_, k) => ({ name: 'noop', data: { i: i + k } })));
  }
  const spans: Record<string, Span[]> | null = values.timeline ? {} : null;
  const timer = timeStore(store, spans);
  const profiling = round === ROUNDS - 1 ? await startProfiles() : null;
  const redis0 = kind === 'redis' ? await redisCpuUs() : 0;
  const postgres0 = kind === 'postgres' ? postgresCpu() : null;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const loop0 = performance.eventLoopUtilization();
  await scheduler.start();
  await all;
  await scheduler.stop();
  const wallMs = performance.now() - t0;
  const loopBusy = performance.eventLoopUtilization(loop0).utilization;
  const cpu = process.cpuUsage(cpu0);
  // PostgreSQL: its processes' CPU, read while the pool's backends are still alive (before close()).
  const serverUs = kind === 'redis' ? (await redisCpuUs()) - redis0 : postgres0 ? postgresCpuSince(postgres0) : null;
  const storeUs = timer.us();
  await profiling?.(kind);
  if (done !== jobs) throw new Error(`${kind}: ${done} of ${jobs} handlers ran`);
  // A ':memory:' database goes with stop(): only a file can be checked afterwards.
  if (kind === 'memory' || kind === 'redis' || kind === 'postgres' || (kind === 'sqlite' && values.sqlite !== 'memory')) {
    const counts = await scheduler.countJobs();
    if (counts.completed !== jobs) throw new Error(`${kind}: ${counts.completed} of ${jobs} jobs completed`);
    await scheduler.stop();
  }
  await scheduler.close();
  if (kind === 'redis') await dropKeys(prefix);
  if (kind === 'postgres') await dropSchema(prefix.replaceAll('-', '_'));
  // Store calls and their average batch (settles per settle call, settles per combined settle-and-claim).
  const batches = Object.entries(timer.calls)
    .filter(([, [n]]) => n > 0)
    .map(([method, [n, items]]) => `${method} ${n}${items > 0 ? ` (${(items / n).toFixed(1)}/call)` : ''}`)
    .join(', ');
  const timeline = spans ? describe(spans, wallMs, loopBusy) : null;
  return { jobs, wallMs, cpuUs: cpu.user + cpu.system, storeUs, serverUs, batches, timeline };
}

/** The Redis server's own CPU so far (INFO cpu, user + system), in µs: what the scripts cost it. */
async function redisCpuUs(): Promise<number> {
  const client = new Redis(REDIS_URL);
  try {
    const info = await client.info('cpu');
    const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
  } finally {
    client.disconnect();
  }
}

/** CPU ticks (user + system) of every process named postgres on this machine, by pid (Linux /proc). */
function postgresCpu(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

/** The CPU (µs) PostgreSQL's processes used since `before` (processes that ended meanwhile are not counted). */
function postgresCpuSince(before: Map<string, number>): number {
  let ticks = 0;
  for (const [pid, now] of postgresCpu()) ticks += now - (before.get(pid) ?? 0);
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function dropKeys(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** Start the profilers asked for; the function returned stops them and writes their files. */
async function startProfiles(): Promise<((kind: string) => Promise<void>) | null> {
  const cpuDir = values['cpu-prof'];
  const heapDir = values['heap-prof'];
  if (!cpuDir && !heapDir) return null;
  for (const dir of [cpuDir, heapDir]) if (dir) mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  if (cpuDir) {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  if (heapDir) {
    await session.post('HeapProfiler.enable');
    // Count what was allocated, collected or not: the cost is the allocation, not what stays.
    await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  return async (kind) => {
    if (cpuDir) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(cpuDir, `node-cost-${kind}.cpuprofile`), JSON.stringify(profile));
    }
    if (heapDir) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(join(heapDir, `node-cost-${kind}.heapprofile`), JSON.stringify(profile));
    }
    session.disconnect();
  };
}

const line = (label: string, r: Result) => {
  const per = (us: number) => (us / r.jobs).toFixed(1).padStart(6);
  return `${label.padEnd(8)} ${String(r.jobs).padStart(7)} jobs  ${String(Math.round((r.jobs / r.wallMs) * 1000)).padStart(7)} jobs/s   CPU ${per(r.cpuUs)} µs/job = store ${per(r.storeUs)} + core ${per(r.cpuUs - r.storeUs)}${r.serverUs === null ? '' : `; server ${per(r.serverUs)} µs/job`}\n         ${r.batches}${r.timeline ? `\n         ${r.timeline}` : ''}`;
};

try {
  process.stdout.write(
    `node ${process.version}, concurrency ${CONCURRENCY}, prefetch ${values.prefetch ?? 'default'}, ${values.events ? 'job:complete listener' : 'no event listener'}, best of ${ROUNDS} (by CPU per job)\n`,
  );
  for (const kind of values.stores!.split(',')) {
    const jobs = kind === 'memory' ? Math.min(Number(values.jobs), Number(values['memory-jobs'])) : Number(values.jobs);
    await once(kind, Math.min(jobs, 5_000), -1); // warm up the JIT
    let best: Result | null = null;
    for (let round = 0; round < ROUNDS; round++) {
      const r = await once(kind, jobs, round);
      if (!best || r.cpuUs < best.cpuUs) best = r;
    }
    process.stdout.write(`${line(kind === 'sqlite' ? `sqlite${values.sqlite === 'memory' ? ':mem' : ''}` : kind, best!)}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
