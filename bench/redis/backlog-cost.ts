/**
 * What a big backlog costs the Redis store itself, apart from the machine and the worker (issue 16: "right after
 * a 1M enqueue, the process rate fell to a quarter: find what is ours").
 *
 *   node --import tsx bench/redis/backlog-cost.ts [--url redis://127.0.0.1:6379] [--backlogs 5000,500000,1000000]
 *                                                 [--jobs 20000] [--batch 100] [--due-share 0.5]
 *
 * For each backlog size N, on a prefix of its own: N jobs due in an hour (--due-share of them due at once, ahead
 * of the measured ones) go in through Store.insert, the run
 * waits for any AOF rewrite that set off, then `--jobs` due jobs are claimed and settled `--batch` at a time by
 * one client in a loop, with no worker, no handler and nothing in flight beside it. Reported per N:
 *   - server µs per job: the time Redis spent inside our scripts (INFO commandstats, evalsha), per job run,
 *     and its main thread's CPU time per job (INFO cpu), which a busy machine inflates less than wall time:
 *     the part the key layout and the Lua decide, whatever the client does;
 *   - wall jobs/s of the loop (round trips and the client included: noisy on a busy machine);
 *   - used_memory per backlog job, and whether an AOF rewrite or fork happened during the loop.
 * Run it against a Redis of its own (a used_memory delta is only meaningful there): the prefix is deleted after.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/stores/redis/index.js';
import type { NewJob } from '../../src/core/store.js';
import { deleteKeys, sleep } from '../harness/util.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.HOURGLASS_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    backlogs: { type: 'string', default: '5000,500000,1000000' },
    jobs: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '100' },
    // The share of the backlog due at once (the rest in an hour): the case is half.
    'due-share': { type: 'string', default: '0' },
  },
});
const url = values.url!;
const backlogs = values.backlogs!.split(',').map(Number);
const jobs = Number(values.jobs);
const batch = Number(values.batch);
const dueShare = Number(values['due-share']);
const HOUR = 3_600_000;

function newJob(i: number, dueAt: number): NewJob {
  return {
    name: 'noop', data: { i }, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null,
    repeat: null, repeatKey: null, dedupeKey: null, label: null, dueAt, nextRunAt: dueAt,
  };
}

async function info(client: Redis): Promise<{ usec: number; cpuUs: number; calls: number; memory: number; rewrites: number; forkUsec: number }> {
  const text = await client.info('all');
  const field = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return {
    usec: field(/cmdstat_evalsha:calls=\d+,usec=(\d+)/),
    calls: field(/cmdstat_evalsha:calls=(\d+)/),
    // The main thread's CPU time: unlike the scripts' wall time, it does not grow when the machine is busy.
    cpuUs: (Number(/used_cpu_user_main_thread:([\d.]+)/.exec(text)?.[1] ?? 0) + Number(/used_cpu_sys_main_thread:([\d.]+)/.exec(text)?.[1] ?? 0)) * 1e6,
    memory: field(/used_memory:(\d+)/),
    rewrites: field(/aof_rewrites:(\d+)/),
    forkUsec: field(/latest_fork_usec:(\d+)/),
  };
}

async function quiet(client: Redis): Promise<void> {
  for (;;) {
    const text = await client.info('persistence');
    if (!/aof_rewrite_in_progress:1|aof_rewrite_scheduled:1|rdb_bgsave_in_progress:1/.test(text)) return;
    await sleep(100);
  }
}

async function fill(store: RedisStore, count: number, dueAt: number): Promise<void> {
  const due = Math.round(count * dueShare);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + 5_000);
      // The due part first: the measured run's jobs, inserted after, are claimed behind it (same priority).
      await store.insert(Array.from({ length: next - from }, (_, k) => newJob(from + k, from + k < due ? Date.now() : dueAt)), Date.now());
    }
  };
  await Promise.all(Array.from({ length: 4 }, lane));
}

async function measure(n: number): Promise<void> {
  const prefix = `bench_cost_${n}_${process.pid}`;
  const client = new Redis(url);
  const store = new RedisStore({ url, prefix });
  await deleteKeys(url, `{${prefix}}*`);
  try {
    await store.init({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const before = await info(client);
    const t0 = Date.now();
    await fill(store, n, Date.now() + HOUR);
    const fillS = (Date.now() - t0) / 1000;
    await quiet(client);
    const filled = await info(client);
    await store.insert(Array.from({ length: jobs }, (_, i) => newJob(i, Date.now())), Date.now());
    const start = await info(client);
    const w0 = process.hrtime.bigint();
    let done = 0;
    let token = 0;
    while (done < jobs) {
      const now = Date.now();
      const lockToken = `t${token++}`;
      const claimed = await store.claim({ now, workerId: 'w', lockToken, limit: batch, names: ['noop'], limits: [], lockLifetimeMs: 60_000 });
      if (claimed.length === 0) throw new Error(`claim found nothing after ${done} of ${jobs}`);
      const at = Date.now();
      await store.settle(claimed.map((job) => ({
        id: job.id, lockToken, status: 'completed' as const, result: null, finishedAt: at,
        history: { status: 'completed' as const, attempt: job.attempts, startedAt: now, completedAt: at, error: null, stack: null, result: null, workerId: 'w' },
      })));
      done += claimed.length;
    }
    const wallS = Number(process.hrtime.bigint() - w0) / 1e9;
    const end = await info(client);
    const serverUsPerJob = (end.usec - start.usec) / jobs;
    const perCall = (end.usec - start.usec) / Math.max(1, end.calls - start.calls);
    process.stdout.write(
      `backlog ${n.toLocaleString('en-US').padStart(9)}: fill ${fillS.toFixed(1)} s, ` +
      `${((filled.memory - before.memory) / n).toFixed(0)} B/job; run ${jobs} jobs: server ${serverUsPerJob.toFixed(1)} µs/job ` +
      `(${perCall.toFixed(0)} µs per script call; main thread CPU ${((end.cpuUs - start.cpuUs) / jobs).toFixed(1)} µs/job), wall ${(jobs / wallS).toFixed(0)} jobs/s, ` +
      `AOF rewrites during the run: ${end.rewrites - start.rewrites}\n`,
    );
  } finally {
    await store.close();
    await deleteKeys(url, `{${prefix}}*`);
    await client.quit();
  }
}

for (const n of backlogs) await measure(n);
