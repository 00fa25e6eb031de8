/**
 * settle.sql and insert-history.sql read their batches with jsonb_each instead of json_each (cheaper: each
 * `value ->> k` reads the entry in place instead of its text rendered again). These pin what that rests on:
 * both give every field the same value and type for any batch the store could send, and a SQLite too old for
 * jsonb_each is refused by name when the store opens.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_SQLITE_VERSION, sqliteTooOld } from '../../src/stores/sqlite/version.js';

describe('SQLite batches read with jsonb_each', () => {
  it('gives each field of every entry the value and type json_each gives', () => {
    const db = new Database(':memory:');
    const fields = [0, 1, 2, 3, 4, 5, 6].map((k) => `value ->> ${k}, typeof(value ->> ${k})`).join(', ');
    const read = (fn: string) => db.prepare(`SELECT key, ${fields} FROM ${fn}(@batch)`).raw(true).safeIntegers(true);
    const text = read('json_each');
    const binary = read('jsonb_each');
    // What settle.ts and the history batch hold: ids, tokens, times, counts, JSON texts of results, error
    // messages and stacks (any UTF-16, lone surrogates included), nulls and flags.
    const field = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.array(fc.integer({ min: 0, max: 0xffff })).map((units) => String.fromCharCode(...units)),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.integer(),
      fc.maxSafeInteger(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(null, 0, 1, -0, 1e308, 5e-324, 1_700_000_000_000),
    );
    fc.assert(
      fc.property(fc.array(fc.array(field, { maxLength: 7 }), { minLength: 1, maxLength: 6 }), (entries) => {
        const batch = JSON.stringify(entries);
        expect(binary.all({ batch })).toEqual(text.all({ batch }));
      }),
      { numRuns: 3000 },
    );
    db.close();
  });

  it('is refused on a SQLite older than the oldest with jsonb_each, by version', () => {
    expect(MIN_SQLITE_VERSION).toBe('3.45.0');
    for (const old of ['3.44.2', '3.38.0', '2.99.99', '3.9']) expect(sqliteTooOld(old)).toBe(true);
    for (const fine of ['3.45.0', '3.45', '3.53.2', '3.100.0', '4.0.0']) expect(sqliteTooOld(fine)).toBe(false);
    const bundled = new Database(':memory:');
    expect(sqliteTooOld(bundled.prepare('SELECT sqlite_version()').pluck().get() as string)).toBe(false);
    bundled.close();
  });
});
