/**
 * packArgs (src/stores/redis/codec.ts): a job's or a settlement's values as one script argument, a JSON array
 * the Lua reads with cjson.decode. Every value must come back a string exactly as given: a number as its
 * JavaScript text (Lua must never format one), any text with quotes, escapes, U+0000 or astral characters intact.
 * The same argument is then decoded by the real Redis's cjson, so both ends are checked (skipped without Redis).
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { packArgs } from '../../src/stores/redis/codec.js';
import { availability } from '../conformance/factory.js';
import { REDIS_URL, redisFactory } from './redis.factory.js';

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
