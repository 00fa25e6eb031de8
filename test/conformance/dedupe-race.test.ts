/**
 * The dedupe modes under 50 concurrent schedulers on every shared store (issue 14): 5 real processes of 10
 * schedulers each (child-schedulers.ts), every scheduler with its own connection, all calling schedule() with one
 * key at once, while each process also runs workers. 50 Node processes would cost about 50 × 70 MB and 50
 * TypeScript start-ups on a 2-core machine shared with other work; what the stores serialise is connections
 * (SQLite's file lock, a PostgreSQL session, a Redis client), so 50 connections from 5 processes race exactly
 * as 50 processes would, and the 5 processes still race each other's workers for the claims.
 * Asserted: one job per key for dedupeFor; with replace, never more than one job of the key pending nor one
 * running at any sampled moment, runs that never overlap, every job any call got back run exactly once
 * (nothing lost), and the data of the last call is what the last run sees; a debounce storm is one job, run
 * once, with the last call's data. (Without the claim's check for a job queued behind its key, the replace test
 * fails on an overlap.) RACE_ONLY=sqlite|postgres|redis runs one store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import type { Job } from '../../src/core/types.js';
import { postgresFactory } from '../stores/postgres.factory.js';
import { redisFactory } from '../stores/redis.factory.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { availability, type CreatedStore, type StoreFactory } from './factory.js';
import { waitUntil } from './helpers.js';

const PROCESSES = 5;
const SCHEDULERS = 10;

interface Run {
  id: string;
  data: { storm: string };
  start: number;
  end: number;
}

class Children {
  readonly runs: Run[] = [];
  private readonly lines: string[] = [];
  private readonly children: ChildProcess[] = [];
  private stderr = '';

  constructor(url: string) {
    const script = fileURLToPath(new URL('./child-schedulers.ts', import.meta.url));
    for (let i = 0; i < PROCESSES; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, url, String(SCHEDULERS)], { stdio: ['pipe', 'pipe', 'pipe'] });
      let buffer = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        for (const line of parts) {
          const run = /^run (\S+) (.*) (\S+) (\S+)$/.exec(line);
          if (run) this.runs.push({ id: run[1]!, data: JSON.parse(run[2]!), start: Number(run[3]), end: Number(run[4]) });
          else this.lines.push(line);
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
      this.children.push(child);
    }
  }

  async ready(): Promise<void> {
    await this.wait(() => this.lines.filter((l) => l === 'ready').length === PROCESSES, 60_000, 'every child ready');
  }

  /** Every scheduler of every child calls schedule() `calls` times with `options`; the ids they got back. */
  async storm(storm: string, calls: number, options: Record<string, unknown>): Promise<string[]> {
    for (const child of this.children) child.stdin!.write(`${JSON.stringify({ storm, calls, options })}\n`);
    const prefix = `ids ${storm} `;
    await this.wait(() => this.lines.filter((l) => l.startsWith(prefix)).length === PROCESSES, 60_000, `storm ${storm}`);
    return this.lines.filter((l) => l.startsWith(prefix)).flatMap((l) => JSON.parse(l.slice(prefix.length)) as string[]);
  }

  runsOf(storm: string): Run[] {
    return this.runs.filter((r) => r.data.storm === storm);
  }

  async wait(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    await waitUntil(check, timeoutMs, what).catch((error: Error) => {
      throw new Error(`${error.message}; children's stderr: ${this.stderr.slice(-2000)}`);
    });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map((child) => new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      })),
    );
  }
}

async function describeRace(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);
  describe.skipIf(skip)(`${factory.kind}: dedupe modes under ${PROCESSES * SCHEDULERS} concurrent schedulers in ${PROCESSES} processes`, () => {
    let created: CreatedStore;
    let s: Scheduler;
    let children: Children;
    /** The most jobs of one key seen pending, and running, in one read (each read is one snapshot). */
    const most = new Map<string, { pending: number; running: number }>();
    let sampling = true;
    let sampler: Promise<void>;

    const sample = async (): Promise<void> => {
      while (sampling) {
        // Yield to the event loop between reads: SQLite answers synchronously, and a loop of resolved promises
        // would starve the children's output and every timer. (A sampling pace, not a synchronisation.)
        await new Promise((resolve) => setTimeout(resolve, 2));
        for (const status of ['pending', 'running'] as const) {
          const jobs = await s.listJobs({ status: [status], name: 'sync', limit: 1000 });
          const byKey = new Map<string, number>();
          for (const job of jobs) if (job.dedupeKey) byKey.set(job.dedupeKey, (byKey.get(job.dedupeKey) ?? 0) + 1);
          for (const [key, n] of byKey) {
            const seen = most.get(key) ?? { pending: 0, running: 0 };
            seen[status] = Math.max(seen[status], n);
            most.set(key, seen);
          }
        }
      }
    };

    beforeAll(async () => {
      created = await factory.create();
      s = new Scheduler({ store: created.store, logger: silentLogger });
      await s.getJob('0'); // migrated before the children open it
      children = new Children(created.url);
      await children.ready();
      sampler = sample();
    }, 90_000);

    afterAll(async () => {
      sampling = false;
      try {
        await sampler; // a failed read fails the suite here, after the children are stopped
      } finally {
        await children?.stop();
        await s?.close();
        await created?.cleanup();
      }
    }, 30_000);

    it('dedupeFor: every call gets the one job of the key, which runs once', async () => {
      const ids = await children.storm('throttle', 4, { dedupeKey: 'throttle', dedupeFor: '1h' });
      expect(ids).toHaveLength(PROCESSES * SCHEDULERS * 4);
      expect(new Set(ids).size).toBe(1);
      await children.wait(() => children.runsOf('throttle').length === 1, 20_000, 'the throttled job ran');
      // Finished, and still holding the key: one more round gets the same job, which does not run again.
      const again = await children.storm('throttle-again', 1, { dedupeKey: 'throttle', dedupeFor: '1h' });
      expect(new Set(again)).toEqual(new Set(ids));
      expect((await s.getJob(ids[0]!))!.status).toBe('completed');
      expect(most.get('throttle')?.pending ?? 0).toBeLessThanOrEqual(1);
      expect(most.get('throttle')?.running ?? 0).toBeLessThanOrEqual(1);
    }, 90_000);

    it('replace while runs go on: one waits at a time, never two run at once, nothing is lost, the last data runs last', async () => {
      const ids = await children.storm('doc', 6, { dedupeKey: 'doc', replace: true });
      // The last call, once the storm is over: whatever holds the key then, its data is what runs last.
      const last = await s.schedule({ name: 'sync', data: { storm: 'doc', last: true }, dedupeKey: 'doc', replace: true });
      const returned = new Set([...ids, last.id]);
      await waitUntil(async () => (await s.listJobs({ status: ['pending', 'running'], name: 'sync' })).every((j) => j.dedupeKey !== 'doc'), 60_000, 'doc drained');
      // A child reports a run once its handler returned, by a message that may arrive after the store shows the job
      // completed: wait for the reports of every job the store shows finished (a lost job would never report).
      await children.wait(() => [...returned].every((id) => children.runsOf('doc').some((r) => r.id === id)), 10_000, 'every run of doc reported');
      const runs = children.runsOf('doc').sort((a, b) => a.start - b.start);
      // Every job a call got back ran, each exactly once: nothing lost, nothing doubled.
      expect(new Set(runs.map((r) => r.id))).toEqual(returned);
      expect(runs).toHaveLength(returned.size);
      // Runs went on during the storm: calls met running holders and queued newcomers behind them.
      expect(runs.length).toBeGreaterThan(1);
      for (const id of returned) expect((await s.getJob(id))!.status).toBe('completed');
      // Never two at once: each run starts after the one before it ended.
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.start, `run ${i} overlaps run ${i - 1}`).toBeGreaterThanOrEqual(runs[i - 1]!.end);
      expect(runs.at(-1)!.data).toEqual({ storm: 'doc', last: true });
      expect(most.get('doc')?.pending ?? 0).toBeLessThanOrEqual(1);
      expect(most.get('doc')?.running ?? 0).toBeLessThanOrEqual(1);
    }, 120_000);

    it('debounce: a storm of replace calls with a delay is one job, run once, after the last call, with its data', async () => {
      const ids = await children.storm('debounce', 4, { dedupeKey: 'debounce', replace: true, delay: '5s' });
      expect(new Set(ids).size).toBe(1);
      const last: Job = await s.schedule({ name: 'sync', data: { storm: 'debounce', last: true }, dedupeKey: 'debounce', replace: true, delay: '1s' });
      expect(last.id).toBe(ids[0]);
      await children.wait(() => children.runsOf('debounce').length === 1, 20_000, 'the debounced job ran');
      const [run] = children.runsOf('debounce');
      expect(run).toMatchObject({ id: last.id, data: { storm: 'debounce', last: true } });
      expect(run!.start).toBeGreaterThanOrEqual(last.nextRunAt!.getTime() - 5);
      // Sampled all along: the key never had two jobs waiting.
      expect(most.get('debounce')?.pending).toBe(1);
      expect(most.get('debounce')?.running ?? 0).toBeLessThanOrEqual(1);
    }, 90_000);
  });
}

for (const factory of [sqliteFileFactory, postgresFactory, redisFactory].filter((f) => !process.env.RACE_ONLY || f.kind === process.env.RACE_ONLY)) await describeRace(factory);
