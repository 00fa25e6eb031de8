/**
 * scheduleBulk's streamed form (issue 16, Memory; src/core/bulk.ts) through the public API, on every store:
 * chunks stored in order, each atomic; dedupe and repeat keys within and across chunks; a failure part-way
 * reported with what landed; typed errors naming the option or the spec at fault.
 */
import { describe, expect, it } from 'vitest';
import { BulkInsertError, SchedulerClosedError, ValidationError } from '../../src/core/errors.js';
import type { BulkChunk, Job, ScheduleSpec } from '../../src/core/types.js';
import { availability, type StoreFactory } from './factory.js';
import { waitUntil } from './helpers.js';
import { useHarness } from './scheduler-contract.js';

const HOUR = 3_600_000;

/** An async source that counts what it yielded and whether it was closed (its `finally` ran). */
function counted(specs: (i: number) => ScheduleSpec, total: number, failAt?: number) {
  const state = { yielded: 0, closed: false };
  async function* source(): AsyncGenerator<ScheduleSpec> {
    try {
      for (let i = 0; i < total; i++) {
        if (i === failAt) throw new Error(`source broke at ${i}`);
        state.yielded++;
        yield specs(i);
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, source: source() };
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

export async function describeSchedulerBulk(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: scheduleBulk, streamed`, () => {
    const h = useHarness(factory);

    it('stores an async iterable chunk by chunk, reading no further ahead than the chunk being stored', async () => {
      const s = await h.scheduler();
      const runAt = Date.now() + HOUR;
      const { state, source } = counted((i) => ({ name: 'work', data: { i }, runAt }), 25);
      const chunks: { index: number; first: number; ids: string[]; data: unknown[]; yielded: number }[] = [];
      const summary = await s.scheduleBulk(source, {
        chunkSize: 10,
        onChunk: (chunk: BulkChunk<Job>) => {
          chunks.push({ index: chunk.index, first: chunk.first, ids: chunk.jobs.map((j) => j.id), data: chunk.jobs.map((j) => j.data), yielded: state.yielded });
        },
      });
      expect(summary).toEqual({ stored: 25, created: 25, existing: 0, chunks: 3 });
      expect(chunks.map((c) => [c.index, c.first, c.ids.length])).toEqual([[0, 0, 10], [1, 10, 10], [2, 20, 5]]);
      // Each chunk's views are its specs', in order; the source was read one chunk at a time.
      for (const c of chunks) expect(c.data).toEqual(Array.from({ length: c.ids.length }, (_, k) => ({ i: c.first + k })));
      expect(chunks.map((c) => c.yielded)).toEqual([10, 20, 25]);
      expect(new Set(chunks.flatMap((c) => c.ids)).size).toBe(25);
      expect((await s.countJobs('work')).pending).toBe(25);
      const stored = await s.getJob(chunks[2]!.ids[4]!);
      expect(stored).toMatchObject({ name: 'work', data: { i: 24 }, status: 'pending', nextRunAt: new Date(runAt) });
    });

    it('takes an array or a sync generator too, and counts only (no views) without onChunk', async () => {
      const s = await h.scheduler();
      expect(await s.scheduleBulk([{ name: 'a' }, { name: 'b' }, { name: 'c' }], { chunkSize: 2 })).toEqual({ stored: 3, created: 3, existing: 0, chunks: 2 });
      function* specs() {
        for (let i = 0; i < 5; i++) yield { name: 'gen', data: i };
      }
      expect(await s.scheduleBulk(specs(), {})).toEqual({ stored: 5, created: 5, existing: 0, chunks: 1 });
      expect(await s.scheduleBulk([], {})).toEqual({ stored: 0, created: 0, existing: 0, chunks: 0 });
      expect((await s.countJobs()).pending).toBe(8);
    });

    it('applies dedupe and repeat keys within a chunk and across chunks: the holder comes back', async () => {
      const s = await h.scheduler();
      const runAt = Date.now() + HOUR;
      const specs: ScheduleSpec[] = [
        { name: 'mail', data: 'first', dedupeKey: 'user:1', runAt }, // chunk 0
        { name: 'mail', data: 'same chunk', dedupeKey: 'user:1', runAt }, // chunk 0: holder is specs[0]
        { name: 'mail', data: 'other key', dedupeKey: 'user:2', runAt }, // chunk 0
        { name: 'tick', repeat: { every: '1h' }, key: 'tick' }, // chunk 1
        { name: 'mail', data: 'next chunk', dedupeKey: 'user:1', runAt }, // chunk 1: holder stored by chunk 0
        { name: 'mail', data: 'free key', dedupeKey: 'user:3', runAt }, // chunk 1
        { name: 'tick', repeat: { every: '1h' }, key: 'tick' }, // chunk 2: the repeating job of chunk 1, updated
        { name: 'mail', data: 'last', dedupeKey: 'user:2', runAt }, // chunk 2
      ];
      const jobs: Job[] = [];
      const summary = await s.scheduleBulk(specs, { chunkSize: 3, onChunk: (chunk: BulkChunk<Job>) => void jobs.push(...chunk.jobs) });
      expect(summary).toEqual({ stored: 8, created: 4, existing: 4, chunks: 3 });
      const ids = jobs.map((j) => j.id);
      expect(ids[1]).toBe(ids[0]);
      expect(ids[4]).toBe(ids[0]);
      expect(ids[7]).toBe(ids[2]);
      expect(ids[6]).toBe(ids[3]);
      expect(new Set(ids).size).toBe(4);
      expect(jobs[4]).toMatchObject({ data: 'first', dedupeKey: 'user:1' });
      expect(await s.countJobs()).toMatchObject({ pending: 4 });
    });

    it('a bad spec part-way: earlier chunks stored, its whole chunk and the rest not; the error names the spec', async () => {
      const s = await h.scheduler();
      const runAt = Date.now() + HOUR;
      const { state, source } = counted((i) => (i === 17 ? { name: 'work', data: { i }, runAt: 'not a time at all' } : { name: 'work', data: { i }, runAt }), 30);
      const error = await rejection(s.scheduleBulk(source, { chunkSize: 10 }));
      expect(error).toBeInstanceOf(BulkInsertError);
      const e = error as BulkInsertError;
      expect(e).toMatchObject({ code: 'BULK_INCOMPLETE', stored: 10, chunks: 1, created: 10, existing: 0 });
      expect(e.cause).toBeInstanceOf(ValidationError);
      expect((e.cause as ValidationError).field).toBe('specs[17].runAt');
      expect(e.message).toContain('specs[0..9] are stored');
      expect(e.message).toContain('specs[10] and after are not');
      expect(e.message).toContain('specs[17].runAt');
      // Chunk 1 (specs 10..19) is all or nothing: 10..16 were valid, and none of them is stored.
      const stored = await s.listJobs({ name: 'work', limit: 100 });
      expect(stored.map((j) => (j.data as { i: number }).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      // The source was read to the bad spec, no further, and closed.
      expect(state.yielded).toBe(18);
      expect(state.closed).toBe(true);
    });

    it('the source failing part-way: the chunks before it stay stored, the error carries the source\'s', async () => {
      const s = await h.scheduler();
      const { source } = counted((i) => ({ name: 'work', data: { i } , runAt: Date.now() + HOUR }), 100, 25);
      const error = (await rejection(s.scheduleBulk(source, { chunkSize: 10 }))) as BulkInsertError;
      expect(error).toBeInstanceOf(BulkInsertError);
      expect(error).toMatchObject({ stored: 20, chunks: 2 });
      expect((error.cause as Error).message).toBe('source broke at 25');
      expect((await s.countJobs('work')).pending).toBe(20);
    });

    it('the store refusing part-way (the scheduler closed between chunks): the chunks before it stay stored', async () => {
      const s = await h.scheduler();
      const runAt = Date.now() + HOUR;
      const error = (await rejection(
        s.scheduleBulk(Array.from({ length: 12 }, (_, i) => ({ name: 'work', data: { i }, runAt })), {
          chunkSize: 5,
          onChunk: async (chunk: BulkChunk<Job>) => {
            if (chunk.index === 1) await s.close();
          },
        }),
      )) as BulkInsertError;
      expect(error).toBeInstanceOf(BulkInsertError);
      expect(error).toMatchObject({ stored: 10, chunks: 2, created: 10 });
      expect(error.cause).toBeInstanceOf(SchedulerClosedError);
      const other = await h.otherStore();
      expect((await other.countJobs('work')).pending).toBe(10);
    });

    it('refuses bad input with a typed error before reading or storing anything', async () => {
      const s = await h.scheduler();
      const { state, source } = counted(() => ({ name: 'work' }), 5);
      const cases: [() => Promise<unknown>, string][] = [
        [() => s.scheduleBulk(source, { chunkSize: 0 }), 'options.chunkSize'],
        [() => s.scheduleBulk(source, { chunkSize: 10_001 }), 'options.chunkSize'],
        [() => s.scheduleBulk(source, { chunkSize: 2.5 }), 'options.chunkSize'],
        [() => s.scheduleBulk(source, { onChunk: 'log' as never }), 'options.onChunk'],
        [() => s.scheduleBulk(source, { chunksize: 10 } as never), 'options.chunksize'],
        [() => s.scheduleBulk(42 as never, {}), 'specs'],
        [() => s.scheduleBulk('abc' as never, {}), 'specs'],
        // Without options only an array is accepted (the one-operation form); the message says how to stream.
        [() => s.scheduleBulk(source as never), 'specs'],
      ];
      for (const [call, field] of cases) {
        const error = await rejection(call());
        expect(error, field).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe(field);
      }
      expect((await rejection(s.scheduleBulk(source as never)) as Error).message).toContain('chunkSize');
      expect(state.yielded).toBe(0);
      expect((await s.countJobs()).pending).toBe(0);
    });

    it('announces new jobs (job:created) and wakes the worker for what is due', async () => {
      const s = await h.scheduler();
      const created: string[] = [];
      s.on('job:created', (job: Job) => created.push(job.id));
      const ran: unknown[] = [];
      s.define('now', async (job) => void ran.push(job.data));
      await s.start();
      const summary = await s.scheduleBulk([{ name: 'now', data: 1, dedupeKey: 'd' }, { name: 'now', data: 2, dedupeKey: 'd' }, { name: 'now', data: 3 }], { chunkSize: 2 });
      expect(summary).toEqual({ stored: 3, created: 2, existing: 1, chunks: 2 });
      expect(created).toHaveLength(2);
      await waitUntil(() => ran.length === 2);
      expect(ran.sort()).toEqual([1, 3]);
    });
  });
}
