/**
 * Durable runs through the public API on a real store (docs/durable-steps.md): ctx.step memoised across runs,
 * ctx.sleep and ctx.waitForEvent waiting in the store without a slot, sendEvent, and a worker process killed
 * between two steps. Every store runs this file unchanged (test/stores/durable.<store>.test.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Scheduler } from '../../src/core/scheduler.js';
import type { Job, Json } from '../../src/core/types.js';
import { availability, type StoreFactory } from './factory.js';
import { collectLines, waitUntil } from './helpers.js';
import { statusOf } from '../support/scheduler.js';
import { useHarness } from './scheduler-contract.js';

/** A repeating job whose run takes one step, then sleeps an hour; resolves once its first run is asleep. */
async function sleepingNightly(s: Scheduler): Promise<{ job: Job; runs: () => number }> {
  let runs = 0;
  s.define('nightly', async (_job, ctx) => {
    await ctx.step('work', () => ++runs);
    await ctx.sleep('1h');
  });
  await s.start();
  const job = await s.every('1h', 'nightly');
  await waitUntil(async () => (await s.history(job.id)).some((r) => r.kind === 'sleep'));
  return { job, runs: () => runs };
}

export async function describeDurableSteps(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);
  const shared = factory.shared !== false;

  describe.skipIf(skip)(`${factory.kind} durable steps, sleeps and events`, () => {
    const h = useHarness(factory);

    it('a completed step returns its stored result on the retry without running again (key order kept)', async () => {
      const s = await h.scheduler();
      const ran: string[] = [];
      const seen: Json[] = [];
      s.define(
        'pay',
        async (_job, ctx) => {
          const charge = await ctx.step('charge', async () => {
            ran.push(`charge ${ctx.attempt}`);
            return { z: 1, a: [2, { y: 'x', b: null }], m: 'é' };
          });
          seen.push(charge as Json);
          const nothing = await ctx.step('nothing', () => undefined);
          if (ctx.attempt === 1) throw new Error('boom after the step');
          await ctx.step('receipt', () => ran.push(`receipt ${ctx.attempt}`));
          return { charge, nothing: nothing === undefined };
        },
        { attempts: 3, backoff: { type: 'fixed', delay: 10 } },
      );
      await s.start();
      const job = await s.now('pay');
      await waitUntil(async () => (await statusOf(s, job.id)) === 'completed');
      expect(ran).toEqual(['charge 1', 'receipt 2']);
      expect(seen.map((v) => JSON.stringify(v))).toEqual([
        '{"z":1,"a":[2,{"y":"x","b":null}],"m":"é"}',
        '{"z":1,"a":[2,{"y":"x","b":null}],"m":"é"}',
      ]);
      expect((await s.getJob(job.id))!.result).toEqual({ charge: { z: 1, a: [2, { y: 'x', b: null }], m: 'é' }, nothing: true });
      const history = await s.history(job.id);
      expect(history.map((r) => `${r.kind ?? 'run'}:${r.step ?? ''}:${r.status}`)).toEqual([
        'run::failed',
        'step:charge:completed',
        'step:nothing:completed',
        'run::completed',
        'step:receipt:completed',
      ]);
      expect(history).toHaveLength(5);
      // The newest entries of runs and steps together, oldest first.
      for (const limit of [1, 2, 3, 5, 9]) expect(await s.history(job.id, { limit }), `limit ${limit}`).toEqual(history.slice(-limit));
      expect(JSON.stringify(history.find((r) => r.step === 'charge')!.result)).toBe('{"z":1,"a":[2,{"y":"x","b":null}],"m":"é"}');
    });

    it('a step id used twice in one run fails the run with DUPLICATE_STEP', async () => {
      const s = await h.scheduler();
      let code: string | undefined;
      s.define('twice', async (_job, ctx) => {
        await ctx.step('same', () => 1);
        try {
          await ctx.step('same', () => 2);
        } catch (error) {
          code = (error as { code?: string }).code;
          throw error;
        }
      });
      await s.start();
      const job = await s.now('twice', undefined, { attempts: 1 });
      await waitUntil(async () => (await statusOf(s, job.id)) === 'failed');
      expect(code).toBe('DUPLICATE_STEP');
      expect((await s.getJob(job.id))!.lastError).toMatch(/"same" is used twice/);
    });

    it('a sleeping job holds no slot: another job of its concurrency-1 name runs meanwhile; its attempt is not counted', async () => {
      const s = await h.scheduler();
      const log: string[] = [];
      s.define(
        'serial',
        async (job, ctx) => {
          const data = job.data as { sleeps: boolean; tag: string };
          await ctx.step('before', () => log.push(`before ${data.tag}`));
          if (data.sleeps) await ctx.sleep(400);
          log.push(`after ${data.tag}`);
          return ctx.attempt;
        },
        { concurrency: 1 },
      );
      await s.start();
      const sleeper = await s.now('serial', { sleeps: true, tag: 'A' });
      await waitUntil(async () => (await s.getJob(sleeper.id))!.status === 'pending' && log.includes('before A'));
      const waiting = (await s.getJob(sleeper.id))!;
      expect(waiting).toMatchObject({ attempts: 0, lockedBy: null });
      expect(waiting.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
      const other = await s.now('serial', { sleeps: false, tag: 'B' });
      await waitUntil(async () => (await statusOf(s, other.id)) === 'completed');
      expect(await statusOf(s, sleeper.id)).toBe('pending');
      await waitUntil(async () => (await statusOf(s, sleeper.id)) === 'completed');
      expect(log).toEqual(['before A', 'before B', 'after B', 'after A']);
      const done = (await s.getJob(sleeper.id))!;
      expect(done.attempts).toBe(1);
      expect(done.result).toBe(1);
      const history = await s.history(sleeper.id);
      expect(history.filter((r) => r.kind === 'sleep')).toHaveLength(1);
      expect(history.filter((r) => (r.kind ?? 'run') === 'run').map((r) => r.status)).toEqual(['completed']);
    });

    it('waitForEvent waits in the store until sendEvent delivers a matching payload', async () => {
      const s = await h.scheduler();
      let created = 0;
      s.define('onboard', async (job, ctx) => {
        const user = await ctx.step('create user', () => ({ id: (job.data as { id: number }).id, n: ++created }));
        const paid = await ctx.waitForEvent('payment', { match: { userId: user.id }, timeout: '1h' });
        return { user, paid };
      });
      await s.start();
      const job = await s.now('onboard', { id: 42 });
      await waitUntil(async () => (await s.history(job.id)).some((r) => r.kind === 'wait' && r.status === 'pending'));
      expect((await s.getJob(job.id))).toMatchObject({ status: 'pending', attempts: 0 });
      const wait = (await s.history(job.id)).find((r) => r.kind === 'wait')!;
      expect(wait).toMatchObject({ event: 'payment', match: { userId: 42 } });
      expect(await s.sendEvent('payment', { userId: 7, amount: 1 })).toBe(0);
      expect(await s.sendEvent('refund', { userId: 42 })).toBe(0);
      expect(await s.sendEvent('payment', { userId: 42, amount: 10, z: { b: 1, a: 2 } })).toBe(1);
      await waitUntil(async () => (await statusOf(s, job.id)) === 'completed');
      const result = (await s.getJob(job.id))!.result;
      expect(JSON.stringify(result)).toBe('{"user":{"id":42,"n":1},"paid":{"userId":42,"amount":10,"z":{"b":1,"a":2}}}');
      expect(created).toBe(1);
      // Delivered once: the wait is done, a second event wakes nobody.
      expect(await s.sendEvent('payment', { userId: 42 })).toBe(0);
    });

    it('an event sent after the run started but before the wait was reached is delivered', async () => {
      const s = await h.scheduler();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let reached = false;
      s.define('late', async (_job, ctx) => {
        await ctx.step('slow part', async () => {
          reached = true;
          await gate;
        });
        return ctx.waitForEvent('go', { match: { key: 'k' }, timeout: '1h' });
      });
      await s.start();
      const job = await s.now('late');
      await waitUntil(() => reached);
      expect(await s.sendEvent('go', { key: 'k', v: 1 })).toBe(0);
      release();
      await waitUntil(async () => (await statusOf(s, job.id)) === 'completed');
      expect((await s.getJob(job.id))!.result).toEqual({ key: 'k', v: 1 });
    });

    it('retention forgets every event past its retention, of a name never sent again too', async () => {
      const s = await h.scheduler();
      const store = await s.getStore();
      const day = 24 * 60 * 60 * 1000;
      const now = Date.now();
      await store.sendEvent!('gone', { n: 1 }, now - 3 * day); // never sent again: only retention forgets it
      await store.sendEvent!('again', { n: 1 }, now - 3 * day);
      await store.sendEvent!('again', { n: 2 }, now - 2 * day); // keeps the first: not a day older than this send
      await store.sendEvent!('fresh', { n: 1 }, now - 1000);
      expect(await store.findEvent!('gone', {}, 0)).toMatchObject({ payload: { n: 1 } });
      expect((await s.prune({ completed: '7d' })).events).toBe(3);
      expect(await store.findEvent!('gone', {}, 0)).toBeNull();
      expect(await store.findEvent!('again', {}, 0)).toBeNull();
      expect(await store.findEvent!('fresh', {}, 0)).toMatchObject({ payload: { n: 1 } });
      // A name whose events are all forgotten is sent again: retention finds it again.
      await store.sendEvent!('gone', { n: 2 }, now - 2 * day);
      expect(await store.pruneEvents!(now - day)).toBe(1);
      expect(await store.pruneEvents!(now)).toBe(1);
      expect(await store.findEvent!('fresh', {}, 0)).toBeNull();
    });

    it('a wait times out to null on the next run', async () => {
      const s = await h.scheduler();
      const runs: number[] = [];
      s.define('timeout', async (_job, ctx) => {
        runs.push(ctx.attempt);
        const got = await ctx.waitForEvent('never', { timeout: 300 });
        return { got };
      });
      await s.start();
      const job = await s.now('timeout');
      await waitUntil(async () => (await statusOf(s, job.id)) === 'completed', 10_000);
      expect((await s.getJob(job.id))!.result).toEqual({ got: null });
      expect(runs).toEqual([1, 1]);
      const wait = (await s.history(job.id)).find((r) => r.kind === 'wait')!;
      expect(wait).toMatchObject({ status: 'completed', result: null });
    });

    it('a cancelled waiting job is not woken; sleepUntil a time wakes the job then', async () => {
      const s = await h.scheduler();
      s.define('waits', async (_job, ctx) => ctx.waitForEvent('ping', { timeout: '1h' }));
      const woke: number[] = [];
      s.define('until', async (_job, ctx) => {
        await ctx.sleepUntil(new Date(Date.now() + 300));
        woke.push(Date.now());
      });
      await s.start();
      const waiting = await s.now('waits');
      await waitUntil(async () => (await s.history(waiting.id)).some((r) => r.kind === 'wait' && r.status === 'pending'));
      await s.cancel(waiting.id);
      expect(await s.sendEvent('ping', {})).toBe(0);
      expect(await statusOf(s, waiting.id)).toBe('cancelled');
      const started = Date.now();
      const sleeper = await s.now('until');
      await waitUntil(async () => (await statusOf(s, sleeper.id)) === 'completed');
      expect(woke).toHaveLength(1);
      expect(woke[0]! - started).toBeGreaterThanOrEqual(250);
      expect((await s.history(sleeper.id)).map((r) => r.kind ?? 'run')).toEqual(['sleep', 'run']);
    });

    it('trigger() of a finished job starts a new cycle: its steps run again', async () => {
      const s = await h.scheduler();
      let runs = 0;
      s.define('again', async (_job, ctx) => ctx.step('count', () => ++runs));
      await s.start();
      const job = await s.now('again');
      await waitUntil(async () => (await statusOf(s, job.id)) === 'completed');
      await s.trigger(job.id);
      await waitUntil(async () => runs === 2 && (await statusOf(s, job.id)) === 'completed');
      expect((await s.getJob(job.id))!.result).toBe(2);
    });

    it('a repeating job starts each occurrence without the last one\'s steps', async () => {
      const s = await h.scheduler();
      const seen: number[] = [];
      let n = 0;
      s.define('tick', async (_job, ctx) => {
        seen.push((await ctx.step('n', () => ++n)) as number);
      });
      await s.start();
      await s.every('200ms', 'tick');
      await waitUntil(() => seen.length >= 2, 10_000);
      expect(seen.slice(0, 2)).toEqual([1, 2]);
    });

    it('every() reviving a cancelled repeating job starts a clean cycle: its steps run again, the old entries are gone', async () => {
      const s = await h.scheduler();
      const { job, runs } = await sleepingNightly(s);
      const entries = async () => (await s.history(job.id)).filter((r) => r.kind === 'step' || r.kind === 'sleep').map((r) => `${r.kind}:${r.step}:${JSON.stringify(r.result)}`);
      expect(runs()).toBe(1);
      await s.cancel(job.id);
      expect(await statusOf(s, job.id)).toBe('cancelled');
      // The application registers its schedule again (its next deploy): the job is pending, with none of the
      // cancelled cycle's entries (the new run, due now, may already have saved its own).
      const revived = await s.every('1h', 'nightly');
      expect(revived.id).toBe(job.id);
      expect((await entries()).filter((e) => e === 'step:work:1')).toEqual([]);
      await waitUntil(async () => runs() === 2 && (await s.history(job.id)).some((r) => r.kind === 'sleep'));
      expect((await entries()).filter((e) => e.startsWith('step:'))).toEqual(['step:work:2']);
    });

    it('every() on a pending repeating job keeps its entries (its cycle goes on)', async () => {
      const s = await h.scheduler();
      const { job, runs } = await sleepingNightly(s);
      const before = (await s.history(job.id)).filter((r) => r.kind === 'step' || r.kind === 'sleep');
      const again = await s.every('1h', 'nightly', { v: 2 });
      expect(again.id).toBe(job.id);
      expect(again.status).toBe('pending');
      expect((await s.history(job.id)).filter((r) => r.kind === 'step' || r.kind === 'sleep')).toEqual(before);
      expect(before.map((r) => `${r.kind}:${r.step}:${JSON.stringify(r.result)}`)).toContain('step:work:1');
      expect(runs()).toBe(1);
    });

    it.skipIf(!shared)('a worker killed between two steps: the completed step does not run again', async () => {
      const child = spawnSteps(h.created.url);
      const firstLine = await child.waitFor(/^one \d+/);
      const id = firstLine.split(' ')[1]!;
      await child.waitFor(`between ${id}`);
      child.process.kill('SIGKILL');
      await child.exited;
      const s = await h.scheduler({ lockLifetime: 1000 });
      const ran: string[] = [];
      s.define('two-steps', async (_job, ctx) => {
        const one = await ctx.step('one', () => {
          ran.push('one');
          return 'again';
        });
        await ctx.step('two', () => ran.push('two'));
        return one;
      });
      await s.start();
      await waitUntil(async () => (await statusOf(s, id)) === 'completed', 15_000);
      expect(ran).toEqual(['two']);
      expect((await s.getJob(id))!.result).toBe(`from child ${id}`);
    }, 30_000);
  });
}

/** test/conformance/child-steps.ts in a real process, following its lines. */
function spawnSteps(url: string) {
  const script = fileURLToPath(new URL('./child-steps.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, url], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  collectLines(child.stdout!, lines);
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    exited,
    async waitFor(line: string | RegExp): Promise<string> {
      const match = (l: string) => (typeof line === 'string' ? l === line : line.test(l));
      await waitUntil(() => lines.some(match) || child.exitCode !== null, 20_000, `child line ${line}`).catch((e) => {
        throw new Error(`${(e as Error).message}; child stderr: ${stderr.slice(-2000)}`);
      });
      const found = lines.find(match);
      if (!found) throw new Error(`child exited (${child.exitCode}) before printing ${line}; stderr: ${stderr.slice(-2000)}`);
      return found;
    },
  };
}
