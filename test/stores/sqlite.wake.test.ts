/**
 * Cross-process wake-ups on SQLite (src/stores/sqlite/wake.ts): a commit by another connection or process wakes
 * this store's subscribers within milliseconds, where a worker would otherwise wait for its next poll.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { newJob } from '../conformance/store-contract.js';
import { waitUntil } from '../conformance/helpers.js';

describe('SqliteStore wake-ups across connections and processes', () => {
  let dir: string;
  let path: string;
  const stores: SqliteStore[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hourglass-wake-'));
    path = join(dir, 'jobs.db');
  });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<SqliteStore> {
    const store = new SqliteStore({ path });
    await store.init({ logger: silentLogger });
    stores.push(store);
    return store;
  }

  it("wakes on another connection's commit", async () => {
    const listener = await open();
    const writer = await open();
    let woke!: () => void;
    const first = new Promise<void>((r) => (woke = r));
    const unsubscribe = await listener.subscribe(() => woke());
    await writer.insert([newJob({ name: 'theirs' })], Date.now());
    await Promise.race([first, new Promise((_, reject) => setTimeout(() => reject(new Error('no wake-up within 2 s')), 2_000))]);
    await unsubscribe();
  });

  it("starts a job another process enqueued at once, though the worker polls every 60 s", async () => {
    const producer = new Scheduler({ store: new SqliteStore({ path }), logger: silentLogger });
    await producer.getStore(); // migrated before the child opens the file
    const script = fileURLToPath(new URL('./sqlite.wake-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      await waitUntil(() => out.includes('ready\n') || child.exitCode !== null, 30_000, 'child ready');
      expect(child.exitCode, err).toBeNull();
      // Each job is enqueued once the one before finished: the child's worker is then asleep until its next poll
      // (60 s away) unless this commit wakes it.
      for (let i = 0; i < 3; i++) {
        const enqueued = Date.now();
        const job = await producer.now('ping', { i });
        await waitUntil(async () => (await producer.getJob(job.id))?.status === 'completed', 5_000, `job ${i} completed`);
        const done = await producer.getJob(job.id);
        // Measured ~10 ms; the bound leaves room for a loaded machine and is far below the poll interval.
        expect(done!.lastRunAt!.getTime() - enqueued).toBeLessThan(5_000);
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await producer.stop();
    }
  }, 60_000);
});
