/**
 * listJobs with `text` on Redis (lua/search.lua, search.ts): the rule is core's matchesText (name, label, data's
 * JSON text, lastError; A-Z folded, every other byte compared exactly, no Lua patterns), answered by a walk of
 * the status indexes newest first in bounded chunks. Each case is checked against the model (MemoryStore) given
 * the same calls; the chunked walk is also run with tiny chunks and byte budgets, so every chunk boundary,
 * offset carried across chunks and early stop is exercised on a few jobs. The same walk answers `repeating`
 * (from P:rep) and the orders no index serves (sortedJobs), also checked here chunk by chunk; and the index of
 * repeating jobs is built for a prefix written before it (migration 005).
 */
import { describe, expect, it } from 'vitest';
import type { JobQuery, JobRecord, NewJob, Store } from '../../src/core/store.js';
import type { JobStatus } from '../../src/core/types.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { keysFor } from '../../src/stores/redis/keys.js';
import { indexGroups, indexRepeating } from '../../src/stores/redis/migrate.js';
import { searchJobs, sortedJobs } from '../../src/stores/redis/search.js';
import { JOB_ORDER_FIELDS } from '../../src/core/rules/query.js';
import { availability } from '../conformance/factory.js';
import { redisFactory } from './redis.factory.js';
import { T0, claimRequest, newJob, useRedisStores } from './redis.rules.helpers.js';

const { skip } = await availability(redisFactory);

/** The connection the store uses (private: only the test looks). */
const clientOf = (store: RedisStore) => (store as unknown as { client: Parameters<typeof searchJobs>[0] }).client;

/**
 * Ids differ between stores only by numbering: the model counts from 1, Redis from its clock (lua/lib.lua
 * reserveIds), both in insertion order. both() records which model id each Redis id stands for (the n-th job
 * inserted); ids() answers in model ids, so the two compare as they are.
 */
const asModel = new Map<string, string>();
const ids = (jobs: JobRecord[]) => jobs.map((j) => asModel.get(j.id) ?? j.id);

describe.skipIf(skip)('RedisStore listJobs with text (redis-specific)', () => {
  const { admin, open } = useRedisStores();

  /** The same calls on the model and on Redis: inserts, then a claim, then settles that fail some with an error. */
  async function both(
    jobs: NewJob[],
    setup?: (store: Store, id: (modelId: string) => string) => Promise<void>,
  ): Promise<{ model: MemoryStore; redis: RedisStore; prefix: string; id: (modelId: string) => string }> {
    const model = new MemoryStore();
    const { store: redis, prefix } = await open();
    asModel.clear();
    const toRedis = new Map<string, string>();
    const id = (modelId: string) => toRedis.get(modelId) ?? modelId;
    for (const store of [model, redis]) {
      const rows = await store.insert(jobs, T0);
      if (store === redis) {
        rows.forEach((row, i) => {
          asModel.set(row.job.id, String(i + 1));
          toRedis.set(String(i + 1), row.job.id);
        });
      }
      await setup?.(store, store === redis ? id : (modelId) => modelId);
    }
    return { model, redis, prefix, id };
  }

  it('folds A-Z only, compares every other byte exactly, treats % . - [ ( as text, and never matches across two fields', async () => {
    const jobs = [
      newJob('Straße'), // 1
      newJob('ÉCOLE'), // 2: É is not A-Z: 'école' must not find it, 'COLE' and 'cole' must
      newJob('x', { data: { pct: '100%', dot: 'a.b', dash: 'a-b' } }), // 3
      newJob('x', { data: 'axb' }), // 4: found by no pattern: '.', '%a', '[ab]' are text
      newJob('İstanbul'), // 5: dotted capital I, not A-Z
      newJob('x', { data: '[ab](c)' }), // 6
      newJob('ABC'), // 7
      newJob('ab', { label: 'cd', data: null }), // 8: fields are searched one by one: 'bc' spans two, no match
      newJob('x\u0000y', { data: null }), // 9: a NUL in a field, and in the text
    ];
    const { model, redis } = await both(jobs);
    const cases = ['é', 'école', 'COLE', 'cole', 'STRASSE', 'straße', 'STRAßE', '%', '0%', '.', 'a.b', '-', '%a', '[ab]', '(c)', 'i̇stanbul', 'İST', 'ist', 'abc', 'aBc', 'Ü', 'bc', 'b\u0000c', 'B\u0000C', '\u0000', 'X\u0000Y', 'null'];
    for (const text of cases) {
      const query = { text, limit: 10, offset: 0 };
      expect(ids(await redis.listJobs(query)), text).toEqual(ids(await model.listJobs(query)));
    }
    // Pinned, so the model agreeing with a wrong answer would not pass unnoticed.
    const find = async (text: string) => ids(await redis.listJobs({ text, limit: 10, offset: 0 }));
    expect(await find('école')).toEqual([]);
    expect(await find('cole')).toEqual(['2']);
    expect(await find('STRAßE')).toEqual(['1']);
    expect(await find('%')).toEqual(['3']);
    expect(await find('.')).toEqual(['3']);
    expect(await find('[ab]')).toEqual(['6']);
    expect(await find('ist')).toEqual([]);
    expect(await find('STANBUL')).toEqual(['5']);
    expect(await find('aBc')).toEqual(['7']);
    expect(await find('bc')).toEqual(['7']);
    expect(await find('b\u0000c')).toEqual([]);
    expect(await find('X\u0000Y')).toEqual(['9']);
  });

  it('looks in the name, the label, the JSON text of data (quotes, keys, escapes) and lastError, nowhere else', async () => {
    const jobs = [
      newJob('send-mail', { label: 'Weekly Digest' }), // 1
      newJob('x', { data: { User: 'Ann', n: 12 } }), // 2: JSON text {"User":"Ann","n":12}
      newJob('x', { data: 'say "hi"\n' }), // 3: JSON text "say \"hi\"\n"
      newJob('fails'), // 4: lastError after a failed run
      newJob('x', { dedupeKey: 'secret-key', repeatKey: null }), // 5: the dedupe key is not searched
    ];
    const { model, redis, id } = await both(jobs, async (store) => {
      const [claimed] = await store.claim(claimRequest(T0, 't1', { names: ['fails'] }));
      await store.settle([{ id: claimed!.id, lockToken: 't1', status: 'failed', lastError: 'Boom: DB down', lastErrorStack: 'Error: stack-only', finishedAt: T0 + 1, history: null }]);
    });
    const cases = ['digest', 'WEEKLY', 'send-', '"user":"ann"', 'n":1', '\\"hi\\"', '\\n', 'db DOWN', 'stack-only', 'secret', 'pending', '"'];
    for (const text of cases) {
      const query = { text, limit: 10, offset: 0 };
      expect(ids(await redis.listJobs(query)), text).toEqual(ids(await model.listJobs(query)));
    }
    const find = async (text: string) => ids(await redis.listJobs({ text, limit: 10, offset: 0 }));
    expect(await find('digest')).toEqual(['1']);
    expect(await find('"user":"ann"')).toEqual(['2']);
    expect(await find('\\"hi\\"')).toEqual(['3']);
    expect(await find('db DOWN')).toEqual(['4']);
    expect(await find('stack-only')).toEqual([]);
    expect(await find('secret')).toEqual([]);
    // The whole job comes back, as getJob has it.
    expect((await redis.listJobs({ text: 'boom', limit: 1, offset: 0 }))[0]).toEqual(await redis.getJob(id('4')));
  });

  it('newest first with limit and offset, within statuses (running included) and a name, the walk in chunks of any size', async () => {
    const names = ['a', 'b', 'constructor'];
    const jobs = Array.from({ length: 40 }, (_, i) =>
      newJob(names[i % 3]!, { data: i % 4 === 0 ? { tag: 'Hit' } : { tag: 'miss', i }, label: i % 5 === 0 ? 'HIT label' : null }),
    );
    const { model, redis, prefix } = await both(jobs, async (store) => {
      // Some running (P:locked, scored by lock expiry, not by id), some completed, some failed, one cancelled.
      const claimed = await store.claim(claimRequest(T0, 't1', { limit: 20 }));
      const settle = claimed.slice(0, 12).map((job, i) => ({
        id: job.id, lockToken: 't1', status: (i % 2 ? 'completed' : 'failed') as 'completed' | 'failed',
        lastError: i % 2 ? null : `hit error ${i}`, lastErrorStack: null, finishedAt: T0 + 1, history: null,
      }));
      await store.settle(settle);
      await store.cancel(claimed[15]!.id, T0 + 2);
    });
    const statusSets: (JobStatus[] | undefined)[] = [undefined, ['running'], ['pending'], ['failed', 'running'], ['completed', 'cancelled', 'pending'], ['cancelled']];
    const queries: JobQuery[] = [];
    for (const status of statusSets) {
      for (const name of [undefined, 'a', 'constructor']) {
        for (const [limit, offset] of [[1, 0], [3, 2], [5, 7], [50, 0], [2, 30]] as const) {
          for (const text of ['hit', 'HIT L', 'miss', 'nothing']) queries.push({ ...(status ? { status } : {}), ...(name ? { name } : {}), text, limit, offset });
        }
      }
    }
    const client = clientOf(redis);
    const keys = keysFor(prefix);
    for (const query of queries) {
      const expected = ids(await model.listJobs(query));
      const label = JSON.stringify(query);
      expect(ids(await redis.listJobs(query)), label).toEqual(expected);
      const text = { name: query.name ?? '', text: query.text!, statuses: query.status ?? [], offset: query.offset, limit: query.limit };
      // One job per call, two per call, and a byte budget so small that every call stops after its first job.
      expect(ids(await searchJobs(client, keys, text, 1)), `${label} chunk 1`).toEqual(expected);
      expect(ids(await searchJobs(client, keys, text, 2)), `${label} chunk 2`).toEqual(expected);
      expect(ids(await searchJobs(client, keys, text, 1000, 1)), `${label} 1 byte`).toEqual(expected);
    }
  });

  it('stops walking once offset + limit matches are found, and takes one call per chunk otherwise', async () => {
    const { store, prefix } = await open();
    // 30 jobs, the newest 5 match.
    await store.insert(Array.from({ length: 30 }, (_, i) => newJob('n', { data: i >= 25 ? 'needle' : 'hay' })), T0);
    const keys = keysFor(prefix);
    const client = clientOf(store);
    const calls = async (query: Omit<Parameters<typeof searchJobs>[2], 'name' | 'statuses'>, chunk: number): Promise<number> => {
      const script = (await import('../../src/stores/redis/scripts.js')).scripts().search;
      const run = script.run;
      let n = 0;
      script.run = (...args) => {
        n += 1;
        return run.apply(script, args);
      };
      try {
        await searchJobs(client, keys, { name: '', statuses: [], ...query }, chunk);
      } finally {
        script.run = run;
      }
      return n;
    };
    expect(await calls({ text: 'needle', offset: 0, limit: 5 }, 5)).toBe(1); // found in the first chunk
    expect(await calls({ text: 'needle', offset: 2, limit: 2 }, 2)).toBe(2); // 2 skipped, then 2 found
    expect(await calls({ text: 'needle', offset: 0, limit: 6 }, 10)).toBe(3); // none left to find: the walk ends
    expect(await calls({ text: 'absent', offset: 0, limit: 1 }, 1000)).toBe(1);
  });

  it('orders by any field and lists repeating jobs as the model does, the walk in chunks of any size', async () => {
    const jobs = Array.from({ length: 24 }, (_, i) =>
      newJob(['b', 'a', 'é', 'Z'][i % 4]!, {
        priority: [0, 5, -5][i % 3]!,
        nextRunAt: T0 - ((i * 7) % 11) * 1000,
        data: i % 3 === 0 ? { tag: 'Hit' } : { i },
        ...(i % 5 === 0 ? { repeat: { every: 60_000 } } : {}),
      }),
    );
    const { model, redis, prefix } = await both(jobs, async (store, id) => {
      const claimed = await store.claim(claimRequest(T0, 't1', { limit: 8 }));
      await store.settle(claimed.slice(0, 5).map((job, i) => ({
        id: job.id, lockToken: 't1', status: (i % 2 ? 'completed' : 'failed') as 'completed' | 'failed',
        lastError: i % 2 ? null : 'hit', lastErrorStack: null, finishedAt: T0 + 1 + i, history: null,
      })));
      await store.update(id('3'), { repeat: { every: 1000 } }, T0 + 10);
      await store.update(id('6'), { repeat: null }, T0 + 10);
    });
    const client = clientOf(redis);
    const keys = keysFor(prefix);
    const queries: JobQuery[] = [];
    for (const by of JOB_ORDER_FIELDS) {
      for (const dir of ['asc', 'desc'] as const) {
        for (const filter of [{}, { status: ['pending'] as JobStatus[] }, { status: ['pending', 'failed'] as JobStatus[], name: 'a' }, { repeating: true as const }, { text: 'hit' }]) {
          for (const [limit, offset] of [[3, 0], [4, 5], [50, 0]] as const) queries.push({ ...filter, order: { by, dir }, limit, offset });
        }
      }
    }
    for (const query of queries) {
      const expected = ids(await model.listJobs(query));
      const label = JSON.stringify(query);
      expect(ids(await redis.listJobs(query)), label).toEqual(expected);
      if (query.order!.by !== 'createdAt') {
        for (const chunk of [1, 2, 5]) expect(ids(await sortedJobs(client, keys, query, query.order!, chunk)), `${label} chunk ${chunk}`).toEqual(expected);
      }
    }
  });

  it('answers pending jobs by due time in the rule\'s order when one due time is shared by 10,001 jobs', async () => {
    const { store } = await open();
    // 10,001 jobs due at one future time (P:scheduled ties on one score), and two due earlier.
    const [{ job: first }] = await store.insert(Array.from({ length: 10_001 }, () => newJob('bulk', { nextRunAt: T0 + 60_000 })), T0);
    const [{ job: early }, { job: earlier }] = await store.insert([newJob('x', { nextRunAt: T0 - 5 }), newJob('x', { nextRunAt: T0 - 9, priority: -3 })], T0);
    const page = await store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'desc' }, limit: 3, offset: 10_000 });
    expect(page.map((j) => j.id)).toEqual([first.id, early.id, earlier.id]);
    expect((await store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 3, offset: 0 })).map((j) => j.id)).toEqual([earlier.id, early.id, first.id]);
  }, 30_000);

  it('reads a page of pending jobs by due time, not the jobs that share its due time: 20,000 of them', async () => {
    const { store, prefix } = await open();
    const rows = await store.insert(Array.from({ length: 20_000 }, () => newJob('bulk', { nextRunAt: T0 + 60_000 })), T0);
    // Every command Redis runs, scripts' included, as MONITOR reports them: the job hashes the page reads.
    const monitor = await admin.duplicate().monitor();
    const reads: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (/^h(get|getall|mget)$/i.test(args[0] ?? '') && (args[1] ?? '').startsWith(`{${prefix}}:job:`)) reads.push(args[1]!);
    });
    try {
      const asc = await store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 5, offset: 0 });
      const desc = await store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'desc' }, limit: 5, offset: 10 });
      expect(asc.map((j) => j.id)).toEqual(rows.slice(0, 5).map((r) => r.job.id));
      expect(desc.map((j) => j.id)).toEqual(rows.slice(-15, -10).reverse().map((r) => r.job.id));
      // A ping through the same server after both answers: MONITOR has reported every command before it.
      const marker = `{${prefix}}:marker`;
      const seen = new Promise<void>((resolve) => monitor.on('monitor', (_t: string, args: string[]) => args[1] === marker && resolve()));
      await admin.get(marker);
      await seen;
      // Each page: the due time of each job it may hold (5, then 15), and the page's own jobs (5 each).
      expect(reads.length).toBeLessThanOrEqual(5 + 5 + 15 + 5);
    } finally {
      monitor.disconnect();
    }
  }, 30_000);

  it('pads the scheduled entries of pending jobs whose ids are shorter than 16 digits (layout 9), so they list, promote and leave as any', async () => {
    const { store, prefix } = await open();
    const tag = keysFor(prefix).tag;
    const [{ job }] = await store.insert([newJob('old', { nextRunAt: T0 + 60_000 })], T0);
    // As a prefix older than the clock floor left it: a pending job numbered 801, its P:scheduled member unpadded.
    await admin.copy(`${tag}:job:${job.id}`, `${tag}:job:801`);
    await admin.hset(`${tag}:job:801`, 'id', '801');
    await admin.zadd(`${tag}:s:pending`, 801, '801');
    await admin.zadd(`${tag}:ns:pending:old`, 801, '801');
    await admin.zadd(`${tag}:scheduled`, T0 + 30_000, '801');
    await admin.hdel(`${tag}:meta`, 'migration:9');
    await store.migrate();
    expect(await admin.zrange(`${tag}:scheduled`, 0, -1)).toEqual(['0000000000000801', job.id]);
    expect((await store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 5, offset: 0 })).map((j) => j.id)).toEqual(['801', job.id]);
    // Claimed once due, as any scheduled job: promoted from its padded entry.
    const claimed = await store.claim(claimRequest(T0 + 30_000, 'token-801', { names: ['old'], limit: 5 }));
    expect(claimed.map((j) => j.id)).toEqual(['801']);
    // And a cancelled one leaves P:scheduled.
    await store.cancel(job.id, T0 + 30_001);
    expect(await admin.zcard(`${tag}:scheduled`)).toBe(0);
  });

  it('indexes the repeating jobs of a prefix written before layout 5, in chunks, any process continuing', async () => {
    const { store, prefix } = await open();
    const tag = keysFor(prefix).tag;
    const rows = await store.insert([newJob('a', { repeat: { every: 1000 } }), newJob('a'), newJob('b', { repeat: { cron: '* * * * *', timezone: 'UTC' } }), newJob('c'), newJob('d', { repeat: { every: 5 } })], T0);
    const expected = rows.filter((r) => r.job.repeat).map((r) => r.job.id).reverse();
    // As a prefix of layout 4 left it: no P:rep; migration 005 records the ids to visit.
    await admin.del(`${tag}:rep`);
    expect(ids(await store.listJobs({ repeating: true, limit: 10, offset: 0 }))).toEqual([]);
    // One insert's ids are consecutive numbers (lua/insert.lua).
    await admin.hset(`${tag}:meta`, 'rep:next', rows[0]!.job.id, 'rep:last', rows.at(-1)!.job.id);
    expect(await indexRepeating(admin, keysFor(prefix), 2)).toBe(3);
    expect(await admin.hmget(`${tag}:meta`, 'rep:next', 'rep:last')).toEqual([null, null]);
    expect(ids(await store.listJobs({ repeating: true, limit: 10, offset: 0 }))).toEqual(expected);
  });

  it('indexes the grouped jobs of a prefix written before layout 7, in chunks, blocked and finished ones too', async () => {
    const { store, prefix } = await open();
    const tag = keysFor(prefix).tag;
    const rows = await store.insert([newJob('a', { group: 'g' }), newJob('a'), newJob('b', { group: 'g' }), newJob('c', { group: 'h' }), newJob('d', { group: 'g' })], T0);
    await store.cancel(rows[2]!.job.id, T0 + 1);
    const inG = rows.filter((r) => r.job.group === 'g').map((r) => r.job.id).reverse();
    // As a prefix of layout 6 left it: no P:gjobs:<group>; migration 007 records the ids to visit.
    await admin.del(`${tag}:gjobs:g`, `${tag}:gjobs:h`);
    expect(await store.listJobs({ group: 'g', limit: 10, offset: 0 })).toEqual([]);
    await admin.hset(`${tag}:meta`, 'gjobs:next', rows[0]!.job.id, 'gjobs:last', rows.at(-1)!.job.id);
    expect(await indexGroups(admin, keysFor(prefix), 2)).toBe(3);
    expect(await admin.hmget(`${tag}:meta`, 'gjobs:next', 'gjobs:last')).toEqual([null, null]);
    expect((await store.listJobs({ group: 'g', limit: 10, offset: 0 })).map((j) => j.id)).toEqual(inG);
    expect((await store.listJobs({ group: 'g', status: ['cancelled'], limit: 10, offset: 0 })).map((j) => j.id)).toEqual([rows[2]!.job.id]);
    expect((await store.listJobs({ group: 'h', limit: 10, offset: 0 })).map((j) => j.id)).toEqual([rows[3]!.job.id]);
  });

  it('walks a group\'s jobs chunk by chunk as the model lists them, with names, statuses, text and orders', async () => {
    const specs = Array.from({ length: 12 }, (_, i) => newJob(i % 3 === 0 ? 'a' : 'b', { group: i % 2 === 0 ? 'g' : 'h', data: { i }, priority: i % 4 }));
    const { model, redis, prefix } = await both(specs);
    const queries: JobQuery[] = [
      { group: 'g', limit: 3, offset: 1 },
      { group: 'g', name: 'a', limit: 10, offset: 0 },
      { group: 'h', status: ['pending', 'running'], limit: 10, offset: 0 },
      { group: 'g', text: '"i":1', limit: 10, offset: 0 },
      { group: 'g', order: { by: 'priority', dir: 'desc' }, limit: 4, offset: 1 },
      { group: 'h', order: { by: 'createdAt', dir: 'asc' }, limit: 2, offset: 2 },
      { group: 'g', repeating: true, limit: 10, offset: 0 },
    ];
    for (const query of queries) {
      const expected = ids(await model.listJobs(query));
      expect(ids(await redis.listJobs(query)), JSON.stringify(query)).toEqual(expected);
      // The same walk two jobs at a time: offsets and cursors carried across chunks.
      const order = query.order ?? { by: 'createdAt', dir: 'desc' };
      const chunked =
        order.by === 'createdAt'
          ? await searchJobs(clientOf(redis), keysFor(prefix), { name: query.name ?? '', text: query.text ?? '', statuses: query.status ?? [], offset: query.offset, limit: query.limit, dir: order.dir, repeating: query.repeating === true, group: query.group! }, 2)
          : await sortedJobs(clientOf(redis), keysFor(prefix), query, order, 2);
      expect(ids(chunked), `${JSON.stringify(query)} in chunks of 2`).toEqual(expected);
    }
  });

  it('an empty text lists as no text does, and limit 0 answers nothing', async () => {
    const { model, redis } = await both([newJob('a'), newJob('b')]);
    for (const query of [{ text: '', limit: 10, offset: 0 }, { text: '', limit: 1, offset: 1 }, { text: 'a', limit: 0, offset: 0 }]) {
      expect(ids(await redis.listJobs(query))).toEqual(ids(await model.listJobs(query)));
    }
  });
});
