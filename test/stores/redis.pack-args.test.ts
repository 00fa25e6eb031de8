/**
 * packArgs (src/stores/redis/codec.ts): a job's or a settlement's values as one script argument, a JSON array
 * the Lua reads with cjson.decode. Every value must come back a string exactly as given: a number as its
 * JavaScript text (Lua must never format one), any text with quotes, escapes, U+0000 or astral characters intact.
 * The same argument is then decoded by the real Redis's cjson, so both ends are checked (skipped without Redis).
 * The other way, the claim answers one JSON text that cjson.encode wrote (lua/shared/claim.lua): the same texts
 * must reach the worker intact.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { packArgs } from '../../src/stores/redis/codec.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { REDIS_URL, redisFactory, usePrefixes } from './redis.factory.js';

const ODD = ['', 'plain', 'quote " back \\ slash', 'nl \n tab \t cr \r', 'nul \u0000 and \u0001', 'emoji 😀 é \u2028', '{"json":[1,"two"]}', 'v{"x":1}'];
const NUMBERS = [0, 1, 1764550000000, 9007199254740991, -5, 0.5];

describe('packArgs', () => {
  it('is a JSON array of strings: each text as given, each number as its JavaScript text', () => {
    const values = [...ODD, ...NUMBERS];
    const decoded = JSON.parse(packArgs(values)) as unknown[];
    expect(decoded).toEqual([...ODD, ...NUMBERS.map(String)]);
    expect(decoded.every((v) => typeof v === 'string')).toBe(true);
  });

  it('packs nothing as an empty array', () => {
    expect(packArgs([])).toBe('[]');
  });
});

const { skip } = await availability(redisFactory);

describe.skipIf(skip)('packArgs read by Redis (cjson.decode)', () => {
  const client = new Redis(REDIS_URL);
  afterAll(() => client.disconnect());

  it('gives the script the same strings, byte for byte, and no number', async () => {
    const values = [...ODD, ...NUMBERS];
    // The script answers each decoded value's Lua type and bytes; Redis sends Lua strings back as they are.
    const reply = (await client.eval(
      `local v = cjson.decode(ARGV[1]); local out = {}
       for i = 1, #v do out[#out + 1] = type(v[i]); out[#out + 1] = v[i] end
       return out`,
      0,
      packArgs(values),
    )) as string[];
    const types = reply.filter((_, i) => i % 2 === 0);
    const texts = reply.filter((_, i) => i % 2 === 1);
    expect(types).toEqual(values.map(() => 'string'));
    expect(texts).toEqual([...ODD, ...NUMBERS.map(String)]);
  });
});

describe.skipIf(skip)('the claim answer written by cjson.encode', () => {
  const prefix = usePrefixes();

  it('hands the worker every text as stored: quotes, escapes, U+0000, U+2028, astral characters, long data', async () => {
    const store = new RedisStore({ url: REDIS_URL, prefix: prefix() });
    await store.migrate();
    const now = Date.now();
    const data = { odd: ODD, long: 'x'.repeat(100_000), nested: { '/slash/': ['a/b', '\\u00e9'] } };
    const [{ job }] = await store.insert([{ name: 'odd "name" / 😀', data, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: null, label: 'label \u0000 \u2028 é', dueAt: now, nextRunAt: now }], now);
    const claimed = await store.claim({ now, workerId: 'w "1"', lockToken: 'token', limit: 10, names: null, limits: [], lockLifetimeMs: 30_000 });
    expect(claimed).toHaveLength(1);
    expect(claimed[0]).toMatchObject({ id: job.id, name: 'odd "name" / 😀', data, label: 'label \u0000 \u2028 é', status: 'running', attempts: 1, lockedBy: 'w "1"', lockToken: 'token', lockedUntil: now + 30_000 });
    expect(await store.getJob(job.id)).toMatchObject({ data, label: 'label \u0000 \u2028 é', lockedBy: 'w "1"' });
    await store.close();
  });

  it('answers an empty claim as no jobs', async () => {
    const store = new RedisStore({ url: REDIS_URL, prefix: prefix() });
    await store.migrate();
    expect(await store.claim({ now: Date.now(), workerId: 'w', lockToken: 't', limit: 10, names: null, limits: [], lockLifetimeMs: 30_000 })).toEqual([]);
    await store.close();
  });
});
