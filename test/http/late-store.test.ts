/**
 * A request the store does not answer within the API's timeoutMs gets 503 STORE_ERROR, but the store's
 * operation cannot be called back: it may still be applied. The answer says so, the log says what became of it,
 * and a create retried with its dedupeKey gets the first job back rather than a second one. On PostgreSQL for
 * real: another connection holds a lock that makes the insert wait (SQLite's busy wait would block the event
 * loop, so its deadline could not fire while it waits).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scheduler } from '../../src/core/scheduler.js';
import { availability, type CreatedStore } from '../conformance/factory.js';
import { PG_URL, postgresFactory } from '../stores/postgres.factory.js';
import { recordingLogger } from '../support/logger.js';
import { startApi, type Api } from './helpers.js';

const { skip } = await availability(postgresFactory);

describe.skipIf(skip)('a store that answers after the request timed out (postgres)', () => {
  let created: CreatedStore;
  let api: Api;
  const log = recordingLogger();

  beforeAll(async () => {
    created = await postgresFactory.create();
    api = await startApi(created.store, {
      define: (s: Scheduler) => s.define('report', async () => ({ ok: true })),
      start: false,
      scheduler: { logger: log },
      http: { timeoutMs: 200 },
    });
    await api.scheduler.getStore(); // opened and migrated before the lock is taken (a migration may take longer than 200 ms)
  });
  afterAll(async () => {
    await api?.close();
    await created?.cleanup();
  });

  it('answers 503 saying the request may still be applied, logs that it was, and a retry with the dedupeKey gets the same job', async () => {
    const schema = new URL(created.url).searchParams.get('schema')!;
    const locker = new pg.Client({ connectionString: PG_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${schema}".jobs IN EXCLUSIVE MODE`);
      const first = await api.call('POST', 'jobs', { name: 'report', dedupeKey: 'invoice-7' });
      expect(first.status).toBe(503);
      expect(first.body.error.code).toBe('STORE_ERROR');
      expect(first.body.error.message).toMatch(/within 200 ms; the request may still be applied/);
      await locker.query('COMMIT');
    } finally {
      await locker.end();
    }

    // The insert that waited on the lock goes through once it is released, and the log says so.
    const entry = await log.when((r) => r.level === 'warn' && /was applied by the store afterwards/.test(r.msg));
    expect(entry.fields).toMatchObject({ method: 'POST' });
    expect(entry.fields.lateMs).toBeGreaterThanOrEqual(0);
    const jobs = await api.scheduler.listJobs({ name: 'report' });
    expect(jobs).toHaveLength(1);

    const retry = await api.call('POST', 'jobs', { name: 'report', dedupeKey: 'invoice-7' });
    expect(retry.status).toBeLessThan(300);
    expect(retry.body.id).toBe(jobs[0]!.id);
    expect(await api.scheduler.listJobs({ name: 'report' })).toHaveLength(1);
  });

  it('answers a read 503 without saying it may be applied, and logs its late answer at debug, not as a warning', async () => {
    const schema = new URL(created.url).searchParams.get('schema')!;
    const locker = new pg.Client({ connectionString: PG_URL });
    await locker.connect();
    const warnings = () => log.records.filter((r) => r.level === 'warn' && r.fields.method === 'GET').length;
    try {
      await locker.query('BEGIN');
      // ACCESS EXCLUSIVE: reads wait too.
      await locker.query(`LOCK TABLE "${schema}".jobs IN ACCESS EXCLUSIVE MODE`);
      const read = await api.call('GET', 'jobs?name=report');
      expect(read.status).toBe(503);
      expect(read.body.error.code).toBe('STORE_ERROR');
      expect(read.body.error.message).toBe('no answer from the store within 200 ms');
      await locker.query('COMMIT');
    } finally {
      await locker.end();
    }
    const entry = await log.when((r) => r.level === 'debug' && /got its answer from the store afterwards/.test(r.msg));
    expect(entry.fields).toMatchObject({ method: 'GET' });
    expect(warnings()).toBe(0);
  });
});
