/**
 * SQLite's process registry (Store.putProcess, listProcesses): a record inserted or replaced by id, records last
 * seen before `forgetBefore` forgotten (the one just written too), the list ordered by startedAt then id as
 * JavaScript compares strings, values given back exactly, kept across a reopen, migration 006 onto an older file.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ProcessRecord } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { migrate } from '../../src/stores/sqlite/migrate.js';
import { fileStore, T0 } from './sqlite.helpers.js';

let store: SqliteStore;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ store, dispose } = await fileStore());
});
afterEach(async () => {
  await dispose();
});

function processRecord(overrides: Partial<ProcessRecord> = {}): ProcessRecord {
  return {
    id: 'w1',
    host: 'host-1',
    pid: 101,
    startedAt: T0,
    lastSeenAt: T0,
    stoppedAt: null,
    concurrency: 4,
    running: 1,
    names: ['send-email', 'resize'],
    activity: [{ minute: T0 - (T0 % 60_000), name: 'send-email', completed: 3, failed: 1, retried: 1, runTimes: [0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }],
    ...overrides,
  };
}

const ids = async () => (await store.listProcesses()).map((p) => p.id);

describe('sqlite: the process registry', () => {
  it('gives back exactly what was written', async () => {
    const running = processRecord();
    const stopped = processRecord({ id: 'w2', pid: 7, stoppedAt: T0 + 5, names: null, activity: [], running: 0, startedAt: T0 + 1, lastSeenAt: T0 + 5 });
    await store.putProcess(running, 0);
    await store.putProcess(stopped, 0);
    expect(await store.listProcesses()).toEqual([running, stopped]);
    // Key order of each bucket as written, as the model keeps it.
    expect(JSON.stringify((await store.listProcesses())[0]!.activity)).toBe(JSON.stringify(running.activity));
  });

  it('replaces the record with the same id, every field', async () => {
    await store.putProcess(processRecord(), 0);
    const next = processRecord({ host: 'host-2', pid: 202, startedAt: T0 + 100, lastSeenAt: T0 + 5000, stoppedAt: T0 + 5000, concurrency: 8, running: 0, names: null, activity: [] });
    await store.putProcess(next, 0);
    expect(await store.listProcesses()).toEqual([next]);
  });

  it('forgets every record last seen before forgetBefore, the one just written included', async () => {
    await store.putProcess(processRecord({ id: 'old', lastSeenAt: T0 }), 0);
    await store.putProcess(processRecord({ id: 'edge', lastSeenAt: T0 + 1000 }), 0);
    await store.putProcess(processRecord({ id: 'new', lastSeenAt: T0 + 2000 }), T0 + 1000);
    expect(await ids()).toEqual(['edge', 'new']); // lastSeenAt == forgetBefore is kept
    await store.putProcess(processRecord({ id: 'stale', lastSeenAt: T0 + 500 }), T0 + 1500);
    expect(await ids()).toEqual(['new']);
    // A write with an older lastSeenAt replaces the record, then forgets it.
    await store.putProcess(processRecord({ id: 'new', lastSeenAt: T0 }), T0 + 1);
    expect(await ids()).toEqual([]);
  });

  it('lists by startedAt, then id in JavaScript string order (UTF-16), as the model does', async () => {
    const model = new MemoryStore();
    const records = [
      processRecord({ id: 'b', startedAt: T0 }),
      processRecord({ id: 'a', startedAt: T0 + 1 }),
      processRecord({ id: 'B', startedAt: T0 }),
      processRecord({ id: '\uFFFF', startedAt: T0 }),
      processRecord({ id: '\u{1F600}', startedAt: T0 }), // a surrogate pair: before U+FFFF in UTF-16, after it in UTF-8
      processRecord({ id: 'a', startedAt: T0 - 1 }), // replaces 'a': now the first
    ];
    for (const record of records) {
      await store.putProcess(record, 0);
      await model.putProcess(record, 0);
    }
    expect(await ids()).toEqual(['a', 'B', 'b', '\u{1F600}', '\uFFFF']);
    expect(await store.listProcesses()).toEqual(await model.listProcesses());
  });

  it('keeps records across close and init', async () => {
    await store.putProcess(processRecord(), 0);
    await store.close();
    await store.init({ logger: silentLogger });
    expect(await store.listProcesses()).toEqual([processRecord()]);
  });

  it('a closed store fails with StoreError', async () => {
    await store.close();
    await expect(store.putProcess(processRecord(), 0)).rejects.toBeInstanceOf(StoreError);
    await expect(store.listProcesses()).rejects.toBeInstanceOf(StoreError);
    await store.init({ logger: silentLogger });
  });
});

describe('sqlite: migration 006 (processes)', () => {
  it('adds the registry to a database at version 5, its jobs untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-sqlite-'));
    const path = join(dir, 'old.db');
    try {
      const db = new Database(path);
      migrate(db, 5);
      db.prepare(`INSERT INTO hourglass_jobs (name, data, due_at, next_run_at, created_at, updated_at) VALUES ('old', '{"a":1}', 1, 1, 1, 1)`).run();
      db.close();
      const old = new SqliteStore({ path });
      await old.init({ logger: silentLogger });
      const status = await old.migrationStatus();
      expect(status.pending).toEqual([]);
      expect(status.applied.map((m) => [m.version, m.name])).toContainEqual([6, 'processes']);
      expect(await old.listProcesses()).toEqual([]);
      await old.putProcess(processRecord(), 0);
      expect(await old.listProcesses()).toEqual([processRecord()]);
      expect(await old.getJob('1')).toMatchObject({ name: 'old', data: { a: 1 } });
      await old.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
