/**
 * Durable runs stay flat (docs/durable-steps.md): a wait's look for events and sendEvent's read of the waiting
 * jobs are index seeks on their own tables, never a walk of the jobs table or of other names' events. Pinned by
 * EXPLAIN QUERY PLAN after ANALYZE on a store holding many events of another name.
 */
import Database from 'better-sqlite3';
import { sqlText } from '../../src/stores/sqlite/statements.js';
import { PRUNE_EVENTS_SQL } from '../../src/stores/sqlite/steps.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/stores/sqlite/index.js';
import { fileStore, T0 } from './sqlite.helpers.js';

const sqlOf = (file: string) => sqlText(file).replace(/^--.*$/gm, '').trim();

let store: SqliteStore;
let path: string;
let dispose: () => Promise<void>;
let db: Database.Database;

beforeAll(async () => {
  ({ store, path, dispose } = await fileStore());
  for (let i = 0; i < 2000; i++) await store.sendEvent('busy', { i }, T0 + i);
  db = new Database(path);
  db.exec('ANALYZE');
}, 60_000);

afterAll(async () => {
  db?.close();
  await dispose();
});

const plan = (text: string, params: unknown[] | Record<string, unknown>) => (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(params) as { detail: string }[]).map((r) => r.detail);

it('a wait looks for events of its name from a time on through hourglass_events_name', () => {
  const details = plan(sqlOf('find-events.sql'), { name: 'payment', since: T0 });
  expect(details.join('\n')).toMatch(/SEARCH hourglass_events USING INDEX hourglass_events_name \(name=\? AND sent_at>\?\)/);
  expect(details.join('\n')).not.toMatch(/SCAN hourglass_events\b(?! USING)/);
});

it("sendEvent reads only the jobs waiting for its name, and forgets old events of that name by the same index", () => {
  expect(plan('SELECT job_id, key FROM hourglass_waits WHERE event = ?', ['payment']).join('\n')).toMatch(/SEARCH hourglass_waits USING (PRIMARY KEY|INDEX \w+) \(event=\?\)/);
  expect(plan('DELETE FROM hourglass_events WHERE name = ? AND sent_at < ?', ['busy', T0]).join('\n')).toMatch(/SEARCH hourglass_events USING INDEX hourglass_events_name \(name=\? AND sent_at<\?\)/);
});

it('retention forgets old events of every name by one range of hourglass_events_sent', () => {
  const details = plan(PRUNE_EVENTS_SQL, [T0 + 10]).join('\n');
  expect(details).toMatch(/SEARCH hourglass_events USING (COVERING )?INDEX hourglass_events_sent \(sent_at<\?\)/);
});
