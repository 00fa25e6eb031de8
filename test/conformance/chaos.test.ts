/**
 * Workers killed at random (SIGKILL) and respawned while they work through a backlog, on every store several
 * processes share. However often a worker dies mid-run: every job finishes (at least once, never zero times), no
 * job runs in two live processes at once, and no group with groupConcurrency 1 ever has two runs at once (a dead
 * worker's run counts until it died; its lease then keeps the slot until it ends).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { postgresFactory } from '../stores/postgres.factory.js';
import { redisFactory } from '../stores/redis.factory.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { availability, type CreatedStore, type StoreFactory } from './factory.js';
import { collectLines } from './helpers.js';

const JOBS = 1200;
const WORKERS = 3;
const CHILD = fileURLToPath(new URL('./child-chaos.ts', import.meta.url));

interface Run {
  id: string;
  pid: number;
  start: number;
  end: number;
  group: string;
}

/** Pairs of runs in `runs` whose times overlap. */
function overlapping(runs: Run[]): [Run, Run][] {
  const sorted = [...runs].sort((a, b) => a.start - b.start);
  const found: [Run, Run][] = [];
  for (let i = 1; i < sorted.length; i++) {
    for (let j = 0; j < i; j++) if (sorted[i]!.start < sorted[j]!.end) found.push([sorted[j]!, sorted[i]!]);
  }
  return found;
}

function groupBy(runs: Run[], key: (r: Run) => string | null): Run[][] {
  const map = new Map<string, Run[]>();
  for (const r of runs) {
    const k = key(r);
    if (k !== null) (map.get(k) ?? map.set(k, []).get(k)!).push(r);
  }
  return [...map.values()];
}

for (const factory of [sqliteFileFactory, postgresFactory, redisFactory] as StoreFactory[]) {
  const { skip } = await availability(factory);
  describe.skipIf(skip)(`${factory.kind}: workers killed at random`, () => {
    let created: CreatedStore | undefined;
    let producer: Scheduler | undefined;
    const children = new Set<ChildProcess>();
    afterEach(async () => {
      for (const c of children) c.kill('SIGKILL');
      await producer?.close();
      await created?.store.close();
      await created?.cleanup();
    });

    it('finish every job, never run one in two processes at once, and keep a group to one run at a time', { timeout: 120_000 }, async () => {
      created = await factory.create();
      producer = new Scheduler({ store: created.store, logger: silentLogger });
      producer.define('plain', async () => undefined);
      producer.define('grouped', async () => undefined);
      const specs = Array.from({ length: JOBS }, (_, i) => (i % 3 === 0 ? { name: 'grouped', data: { i }, group: `g${i % 12}` } : { name: 'plain', data: { i } }));
      const ids = (await producer.scheduleBulk(specs)).map((j) => j.id);

      const lines: string[] = [];
      const diedAt = new Map<number, number>();
      const spawnWorker = () => {
        const child = spawn(process.execPath, ['--import', 'tsx', CHILD, created!.url], { stdio: ['pipe', 'pipe', 'inherit'] });
        collectLines(child.stdout!, lines);
        children.add(child);
        child.on('exit', () => {
          diedAt.set(child.pid!, Date.now());
          children.delete(child);
        });
      };
      for (let i = 0; i < WORKERS; i++) spawnWorker();

      let kills = 0;
      const deadline = Date.now() + 90_000;
      for (;;) {
        // The chaos itself: a random pause between kills, not a wait for something to happen.
        await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 500));
        const counts = await producer.countJobs();
        if (counts.pending + counts.running === 0) break;
        if (Date.now() > deadline) throw new Error(`not finished after 90 s: ${JSON.stringify(counts)}`);
        const victim = [...children][Math.floor(Math.random() * children.size)];
        if (victim) {
          victim.kill('SIGKILL');
          kills++;
          spawnWorker();
        }
      }
      const exits = [...children].map((c) => new Promise((resolve) => c.once('exit', resolve)));
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(exits);

      const open = new Map<string, Run>();
      const runs: Run[] = [];
      for (const line of lines) {
        const [kind, id, pid, ms, group] = line.split(' ');
        if (kind === 'S') {
          const run = { id: id!, pid: Number(pid), start: Number(ms), end: Infinity, group: group! };
          open.set(`${id} ${pid}`, run);
          runs.push(run);
        } else if (kind === 'E') {
          open.get(`${id} ${pid}`)!.end = Number(ms);
          open.delete(`${id} ${pid}`);
        }
      }
      // A run its worker never ended lasted until that worker died.
      for (const run of open.values()) run.end = diedAt.get(run.pid)!;

      expect(kills).toBeGreaterThan(3);
      const finished = await producer.countJobs();
      expect(finished).toMatchObject({ completed: JOBS, pending: 0, running: 0, failed: 0 });
      const ran = new Set(runs.map((r) => r.id));
      expect(ids.filter((id) => !ran.has(id))).toEqual([]);
      expect(groupBy(runs, (r) => r.id).flatMap(overlapping)).toEqual([]);
      expect(groupBy(runs, (r) => (r.group === '-' ? null : r.group)).flatMap(overlapping)).toEqual([]);
    });
  });
}
