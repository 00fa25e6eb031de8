/**
 * SQLite's listJobs with `text` (rules/query.ts: matchesText): a substring of the name, label, data's JSON text
 * or last error, with A-Z folded and every other character compared exactly. The characters LIKE would read as
 * wildcards or escapes, quotes, non-ASCII letters whose case a Unicode fold would change, a NUL, and a needle
 * longer than LIKE's pattern limit; each answer checked by hand and against the model. Lists stay newest first
 * with limit and offset, and the plan reads rows in list order (no sort of every match).
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { JobQuery, NewJob, Store } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import type { SqliteStore } from '../../src/stores/sqlite/index.js';
import { listStatement } from '../../src/stores/sqlite/list.js';
import { claimRequest, fileStore, historyEntry, newJob, settlement, T0 } from './sqlite.helpers.js';

let store: SqliteStore;
let path: string;
let dispose: () => Promise<void>;
let model: MemoryStore;

beforeEach(async () => {
  ({ store, path, dispose } = await fileStore());
  model = new MemoryStore();
  await model.init({ logger: silentLogger });
});
afterEach(async () => {
  await dispose();
});

/** The same jobs in both stores; each job's `tag` (its label, or the first data key) names it in answers. */
const JOBS: NewJob[] = [
  newJob({ name: 'percent', data: { s: '100%' } }),
  newJob({ name: 'percentless', data: { s: '1000' } }),
  newJob({ name: 'a_b' }),
  newJob({ name: 'axb' }),
  newJob({ name: 'quotes', data: { s: `it's "quoted"` } }),
  newJob({ name: 'number', data: 42 }),
  newJob({ name: 'backslash', data: 'C:\\dir' }),
  newJob({ name: 'Émile' }),
  newJob({ name: 'zurich', data: { city: 'Zürich' } }),
  newJob({ name: 'dotted-I', label: 'İstanbul' }),
  newJob({ name: 'kelvin', label: '5 \u212A' }),
  newJob({ name: 'strasse', label: 'Straße' }),
  newJob({ name: 'nul\u0000Boom' }),
  newJob({ name: 'labelled', label: 'People' }),
];

async function insertAll(): Promise<void> {
  for (const job of JOBS) {
    await store.insert([job], T0);
    await model.insert([job], T0);
  }
}

async function names(s: Store, query: Partial<JobQuery>): Promise<string[]> {
  return (await s.listJobs({ limit: 100, offset: 0, ...query })).map((j) => j.name);
}

/** What SQLite answers, checked to be what the model answers. */
async function search(text: string, query: Partial<JobQuery> = {}): Promise<string[]> {
  const found = await names(store, { ...query, text });
  expect(found, `search ${JSON.stringify(text)}`).toEqual(await names(model, { ...query, text }));
  return found;
}

describe('sqlite: listJobs with text', () => {
  it('% and _ are characters, not LIKE wildcards', async () => {
    await insertAll();
    expect(await search('%')).toEqual(['percent']);
    expect(await search('0%')).toEqual(['percent']);
    expect(await search('1%0')).toEqual([]);
    expect(await search('_')).toEqual(['a_b']);
    expect(await search('a_b')).toEqual(['a_b']);
    expect(await search('A_B')).toEqual(['a_b']);
    expect(await search('%_%')).toEqual([]);
  });

  it('quotes and backslashes are characters: data is searched as its JSON text', async () => {
    await insertAll();
    expect(await search(`'`)).toEqual(['quotes']);
    expect(await search(`it's`)).toEqual(['quotes']);
    // JSON text: the quotes inside a string are escaped, and so is a backslash.
    expect(await search(`\\"quoted\\"`)).toEqual(['quotes']);
    expect(await search(`"quoted"`)).toEqual([]);
    expect(await search('C:\\\\dir')).toEqual(['backslash']);
    expect(await search('\\')).toEqual(['backslash', 'quotes']);
    // Every object or string has a quote; the number 42 has none.
    expect(await search('"')).not.toContain('number');
    expect(await search('{"s":')).toEqual(['quotes', 'percentless', 'percent']);
    expect(await search('42')).toEqual(['number']);
  });

  it('folds A-Z only: non-ASCII letters are compared exactly', async () => {
    await insertAll();
    expect(await search('Émile')).toEqual(['Émile']);
    expect(await search('ÉMILE')).toEqual(['Émile']);
    expect(await search('émile')).toEqual([]);
    expect(await search('zürich')).toEqual(['zurich']);
    expect(await search('ZÜRICH')).toEqual([]);
    expect(await search('ZüRICH')).toEqual(['zurich']);
    // Unicode folds that an ICU lower() or toLowerCase() would apply: İ → i̇, K (Kelvin) → k, ß ↔ SS.
    expect(await search('istanbul')).toEqual([]);
    expect(await search('İSTANBUL')).toEqual(['dotted-I']);
    expect(await search('5 k')).toEqual([]);
    expect(await search('5 \u212A')).toEqual(['kelvin']);
    expect(await search('STRASSE')).toEqual(['strasse']); // the name, not the label
    expect(await search('straSSe')).toEqual(['strasse']);
    expect(await search('STRAßE')).toEqual(['strasse']);
    expect((await store.listJobs({ limit: 10, offset: 0, text: 'ße' })).map((j) => j.label)).toEqual(['Straße']);
  });

  it('reads past a NUL, and takes a needle longer than LIKE would', async () => {
    await insertAll();
    expect(await search('boom')).toEqual(['nul\u0000Boom']);
    expect(await search('\u0000b')).toEqual(['nul\u0000Boom']);
    const long = 'x'.repeat(60_000);
    await store.insert([newJob({ name: 'long', data: `${long}y` })], T0);
    await model.insert([newJob({ name: 'long', data: `${long}y` })], T0);
    expect(await search(`${long.toUpperCase()}Y`)).toEqual(['long']);
  });

  it('matches the label and the last error, ignoring the case of A-Z', async () => {
    await insertAll();
    expect(await search('PEOP')).toEqual(['labelled']);
    const failing = (await store.insert([newJob({ name: 'failing' })], T0))[0]!.job;
    const [claimed] = await store.claim(claimRequest({ names: ['failing'] }));
    await store.settle([
      settlement(failing.id, claimed!.lockToken, { status: 'failed', lastError: 'Timeout: Über 5s', lastErrorStack: 'at x', history: historyEntry({ status: 'failed' }) }),
    ]);
    expect(await names(store, { text: 'TIMEOUT: Über' })).toEqual(['failing']);
    expect(await names(store, { text: 'timeout: über' })).toEqual([]);
    // The stack is not searched.
    expect(await names(store, { text: 'at x' })).toEqual([]);
  });

  it('the empty text matches every job; null label and error match nothing else', async () => {
    await insertAll();
    expect(await search('')).toEqual(JOBS.map((j) => j.name).reverse());
    expect(await search('null')).toEqual([]);
  });

  it('stays newest first with status, name, limit and offset', async () => {
    for (let i = 0; i < 12; i++) {
      const job = newJob({ name: i % 2 ? 'odd' : 'even', data: { i, tag: i % 3 === 0 ? 'Hit' : 'miss' } });
      await store.insert([job], T0 + i);
      await model.insert([job], T0 + i);
    }
    await store.claim(claimRequest({ now: T0 + 20, limit: 2 }));
    await model.claim(claimRequest({ now: T0 + 20, limit: 2 }));
    const data = async (query: Partial<JobQuery>) => {
      const found = (await store.listJobs({ limit: 100, offset: 0, ...query })).map((j) => (j.data as { i: number }).i);
      expect(found).toEqual((await model.listJobs({ limit: 100, offset: 0, ...query })).map((j) => (j.data as { i: number }).i));
      return found;
    };
    expect(await data({ text: 'hit' })).toEqual([9, 6, 3, 0]);
    expect(await data({ text: 'hit', limit: 2, offset: 1 })).toEqual([6, 3]);
    expect(await data({ text: 'hit', name: 'odd' })).toEqual([9, 3]);
    expect(await data({ text: 'hit', status: ['running'] })).toEqual([0]);
    expect(await data({ text: 'hit', status: ['pending'], name: 'even', offset: 1 })).toEqual([]);
    expect(await data({ text: 'hit', status: ['pending'], name: 'even' })).toEqual([6]);
  });

  it('the plan reads rows in list order and stops at the limit (no sort of every match)', () => {
    const db = new Database(path, { readonly: true });
    try {
      const queries: JobQuery[] = [
        { text: 'x', limit: 5, offset: 0 },
        { text: 'x', status: ['completed', 'failed'], limit: 5, offset: 10 },
        { text: 'x', name: 'a', limit: 5, offset: 0 },
      ];
      for (const query of queries) {
        const { text, params } = listStatement(query);
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(params) as { detail: string }[]).map((r) => r.detail).join('\n');
        expect(plan, JSON.stringify(query)).not.toMatch(/TEMP B-TREE/);
      }
    } finally {
      db.close();
    }
  });
});
