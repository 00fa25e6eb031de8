/** POST /jobs with the dedupe modes (JobOptions.dedupeFor), on a real server and a real SQLite file. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedStore } from '../conformance/factory.js';
import { waitUntil } from '../conformance/helpers.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { startApi, type Api } from './helpers.js';

describe('HTTP API: dedupeFor', () => {
  let created: CreatedStore;
  let api: Api;

  beforeAll(async () => {
    created = await sqliteFileFactory.create();
    api = await startApi(created.store, { define: (s) => s.define('report', async () => 'ok') });
  });
  afterAll(async () => {
    await api?.close();
    await created?.cleanup();
  });

  it('keeps the key taken after the job finished, and shows until when', async () => {
    const first = await api.call('POST', 'jobs', { name: 'report', dedupeKey: 'r:1', dedupeFor: '1h' });
    expect(first.status).toBe(201);
    expect(Date.parse(first.body.dedupeUntil) - Date.parse(first.body.createdAt)).toBe(3_600_000);
    await waitUntil(async () => (await api.call('GET', `jobs/${first.body.id}`)).body.status === 'completed');
    const again = await api.call('POST', 'jobs', { name: 'report', dedupeKey: 'r:1', dedupeFor: 3_600_000 });
    expect(again.body).toMatchObject({ id: first.body.id, status: 'completed' });
  });

  it('answers 400 naming dedupeFor for a bad value, a missing key or a schedule', async () => {
    const cases: [object, string][] = [
      [{ name: 'report', dedupeKey: 'k', dedupeFor: 'later' }, 'INVALID_DURATION'],
      [{ name: 'report', dedupeFor: '1h' }, 'INVALID_ARGUMENT'],
      [{ name: 'report', dedupeKey: 'k', dedupeFor: '1h', schedule: '5m' }, 'INVALID_ARGUMENT'],
    ];
    for (const [body, code] of cases) {
      const res = await api.call('POST', 'jobs', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatchObject({ code, field: 'dedupeFor' });
    }
  });

  it('replaces a pending job\'s data and due time with replace (a debounce over HTTP)', async () => {
    const first = await api.call('POST', 'jobs', { name: 'report', dedupeKey: 'd:1', replace: true, runAt: 'in 1 hour', data: { v: 1 } });
    const second = await api.call('POST', 'jobs', { name: 'report', dedupeKey: 'd:1', replace: true, runAt: 'in 2 hours', data: { v: 2 } });
    expect(second.body).toMatchObject({ id: first.body.id, data: { v: 2 }, status: 'pending' });
    expect(Date.parse(second.body.nextRunAt) - Date.parse(first.body.nextRunAt)).toBeGreaterThan(3_500_000);
    const bad = await api.call('POST', 'jobs', { name: 'report', replace: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'replace' });
  });
});
