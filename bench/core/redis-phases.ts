/**
 * bench/core/redis-phases: where the Redis server's time per job goes, phase by phase, through the store itself
 * (no Scheduler). docs/performance.md "What the unmet goals would take" reads it.
 *
 * --jobs no-op jobs are inserted (5,000 a call), then claimed --batch a call until none is left, then settled
 * --batch a call (completed, with a history record), as a worker's calls would carry them. Around each phase the
 * server's counters are reset and read back (CONFIG RESETSTAT, INFO commandstats and cpu): per job, the server's
 * CPU, the scripts' time (evalsha), the commands the scripts ran (each one's time), and what is left of the
 * scripts' time: Lua itself and the conversions between Lua and Redis. The server's CPU beyond evalsha is
 * reading the request and writing the reply. Alone on the server: counters are server-wide, so anything else
 * running on it is counted too.
 *
 * --callgrind: instead, start a Redis of its own under valgrind's callgrind (the redis-server on PATH, AOF
 * everysec as scripts/services.sh runs it) and count the instructions it executes per job in each phase. On a
 * shared machine the times above move ±20 % between runs of the same code; instruction counts move ~1 %, so an
 * A/B of a script change shows in one run each (use fewer jobs: valgrind runs Redis ~50 times slower).
 *
 * Run: node --import tsx bench/core/redis-phases.ts [--jobs 40000] [--batch 110] [--callgrind]
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { ClaimedJob, NewJob } from '../../src/core/store.js';
import { RedisStore } from '../../src/stores/redis/index.js';

const { values } = parseArgs({
  options: { jobs: { type: 'string' }, batch: { type: 'string', default: '110' }, callgrind: { type: 'boolean', default: false } },
});
const CALLGRIND = values.callgrind;
const N = Number(values.jobs ?? (CALLGRIND ? 3000 : 40000));
const BATCH = Number(values.batch);
const grind = CALLGRIND ? await startCallgrind() : null;
const URL = grind?.url ?? process.env.HOURGLASS_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A Redis of our own under callgrind, and how to zero and read its instruction count. */
async function startCallgrind(): Promise<{ url: string; zero: () => void; read: () => number; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'hourglass-callgrind-'));
  const port = String(6500 + (process.pid % 1000));
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'cg.out')}`, 'redis-server', '--port', port, '--bind', '127.0.0.1',
    '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir], { stdio: 'ignore' });
  const probe = new Redis({ port: Number(port), lazyConnect: true, retryStrategy: () => 200, maxRetriesPerRequest: null });
  probe.on('error', () => undefined); // refused until valgrind has started it
  await probe.connect().catch(() => undefined);
  await probe.ping();
  probe.disconnect();
  const control = (...args: string[]) => execFileSync('callgrind_control', [...args, String(child.pid)], { stdio: 'pipe' });
  return {
    url: `redis://127.0.0.1:${port}`,
    zero: () => control('-z'),
    read() {
      control('-d');
      const newest = readdirSync(dir).filter((f) => f.startsWith('cg.out')).map((f) => join(dir, f)).sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs).pop()!;
      return Number(/^totals: (\d+)/m.exec(readFileSync(newest, 'utf8'))![1]);
    },
    stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
const WORKER = `bench-host-${process.pid}`;

const admin = new Redis(URL);

async function serverCpuUs(): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)![1]);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** usec per command since the last reset, the bench's own INFO and CONFIG left out. */
async function commandUs(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await admin.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([a-z|]+):calls=\d+,usec=(\d+)/.exec(line);
    if (match && match[1] !== 'info' && !match[1]!.startsWith('config')) out.set(match[1]!, Number(match[2]));
  }
  return out;
}

async function phase(label: string, work: () => Promise<void>): Promise<void> {
  if (grind) {
    grind.zero();
    await work();
    console.log(`${label.padEnd(7)} ${Math.round(grind.read() / N).toLocaleString('en-US').padStart(8)} instructions/job (Redis under callgrind)`);
    return;
  }
  await admin.config('RESETSTAT');
  const cpu0 = await serverCpuUs();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  const cpu = (await serverCpuUs()) - cpu0;
  const commands = await commandUs();
  const scripts = commands.get('evalsha') ?? 0;
  commands.delete('evalsha');
  const inner = [...commands.values()].reduce((a, b) => a + b, 0);
  const perJob = (us: number) => (us / N).toFixed(2);
  const parts = [...commands].sort((a, b) => b[1] - a[1]).filter(([, us]) => us / N >= 0.05).map(([name, us]) => `${name} ${perJob(us)}`);
  console.log(`${label.padEnd(7)} ${Math.round((N / ms) * 1000).toLocaleString('en-US').padStart(7)} jobs/s  server CPU ${perJob(cpu)} µs/job: scripts ${perJob(scripts)} = commands ${perJob(inner)} (${parts.join(', ')}) + Lua ${perJob(scripts - inner)}`);
}

const prefix = `hourglass-phases-${process.pid}`;
const store = new RedisStore({ url: URL, prefix });
try {
  await store.migrate();
  const now = Date.now();
  await phase('insert', async () => {
    for (let i = 0; i < N; i += 5000) {
      const jobs: NewJob[] = [];
      for (let k = i; k < Math.min(N, i + 5000); k++) jobs.push({ name: 'noop', data: { i: k }, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: null, label: null, dueAt: now, nextRunAt: now });
      await store.insert(jobs, now);
    }
  });
  const claimed: ClaimedJob[] = [];
  await phase('claim', async () => {
    for (;;) {
      const jobs = await store.claim({ now: now + 1, workerId: WORKER, lockToken: randomUUID(), limit: BATCH, names: ['noop'], limits: [], lockLifetimeMs: 60_000 });
      if (jobs.length === 0) break;
      claimed.push(...jobs);
    }
  });
  if (claimed.length !== N) throw new Error(`claimed ${claimed.length} of ${N}`);
  await phase('settle', async () => {
    for (let i = 0; i < claimed.length; i += BATCH) {
      const at = now + 5;
      await store.settle(
        claimed.slice(i, i + BATCH).map((job) => ({
          id: job.id, lockToken: job.lockToken, status: 'completed' as const, finishedAt: at,
          history: { status: 'completed' as const, attempt: 1, startedAt: now + 1, completedAt: at, error: null, stack: null, result: null, workerId: WORKER },
        })),
      );
    }
  });
} finally {
  await store.close();
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== '0');
  admin.disconnect();
  grind?.stop();
}
