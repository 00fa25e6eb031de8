/**
 * The routes the dashboard's views call, each one request: GET /stats, /activity, /processes, /schedules,
 * GET /jobs?q=&counts=, GET /jobs/:id/history (with the job), POST /jobs/bulk, POST /names/:name/pause|resume,
 * and the page's assets (no token, gzip, ETag). On the model store (MemoryStore), which has every feature the
 * routes use (search, the process registry); the stores are proven equal to it elsewhere.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Scheduler } from '../../src/core/scheduler.js';
import type { Store } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { waitUntil } from '../conformance/helpers.js';
import { startApi, type Api } from './helpers.js';

const open: Api[] = [];
afterEach(async () => {
  for (const api of open.splice(0)) await api.close();
});

async function start(options: Parameters<typeof startApi>[1] = {}, store: Store = new MemoryStore()): Promise<Api> {
  const api = await startApi(store, { scheduler: { defaults: { backoff: { type: 'fixed', delay: 5 } } }, ...options });
  open.push(api);
  return api;
}

const failing = (s: Scheduler) => {
  s.define('thumbnail', async (job) => {
    const { file } = job.data as { file: string };
    if (file.startsWith('bad')) throw new Error(`cannot decode ${file}`);
    return { resized: file };
  });
  s.define('report', async () => 'done');
};

async function settled(api: Api, n: number) {
  await waitUntil(async () => {
    const c = await api.scheduler.countJobs();
    return c.completed + c.failed === n;
  }, 10_000, `${n} jobs to finish`);
}

describe('GET /jobs with ?q= and ?counts=', () => {
  it('searches name, data and error text, ignoring case; total is null and more says if a page follows', async () => {
    const api = await start({ define: failing });
    for (const file of ['Cat.PNG', 'dog.png', 'bad-cat.png']) await api.call('POST', 'jobs', { name: 'thumbnail', data: { file } });
    await api.call('POST', 'jobs', { name: 'report', runAt: 'in 1 hour' });
    await settled(api, 3);

    const cats = await api.call('GET', 'jobs?q=CAT');
    expect(cats.status).toBe(200);
    expect(cats.body.data.map((j: any) => j.data.file)).toEqual(['bad-cat.png', 'Cat.PNG']);
    expect(cats.body).toMatchObject({ total: null, more: false });
    expect((await api.call('GET', 'jobs?q=decode')).body.data.map((j: any) => j.data.file)).toEqual(['bad-cat.png']);
    expect((await api.call('GET', 'jobs?q=thumb&status=completed')).body.data).toHaveLength(2);
    const paged = await api.call('GET', 'jobs?q=png&limit=2');
    expect(paged.body).toMatchObject({ total: null, more: true });
    expect(paged.body.data).toHaveLength(2);
    expect((await api.call('GET', 'jobs?q=png&limit=2&offset=2')).body).toMatchObject({ more: false });

    const counted = await api.call('GET', 'jobs?counts=true&status=failed&limit=1');
    expect(counted.body).toMatchObject({ total: 1, more: false, counts: { pending: 1, completed: 2, failed: 1, running: 0, cancelled: 0 } });
    expect((await api.call('GET', 'jobs?limit=1')).body).toMatchObject({ total: 4, more: true });
    expect((await api.call('GET', 'jobs?counts=maybe')).body.error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'counts' });
    expect((await api.call('GET', `jobs?q=${'x'.repeat(201)}`)).status).toBe(400);
  });

  it('GET /jobs/:id/history brings the job along, with the stack of each failed run', async () => {
    const api = await start({ define: failing });
    const id = (await api.call('POST', 'jobs', { name: 'thumbnail', data: { file: 'bad.gif' }, maxAttempts: 2 })).body.id;
    await settled(api, 1);
    const r = await api.call('GET', `jobs/${id}/history`);
    expect(r.body.job).toMatchObject({ id, status: 'failed', lastError: 'cannot decode bad.gif' });
    expect(r.body.job.lastErrorStack).toMatch(/Error: cannot decode bad\.gif\n\s+at /);
    expect(r.body.data.map((h: any) => [h.attempt, h.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    expect(r.body.data[0].stack).toMatch(/cannot decode/);
    expect(r.body.data[0].workerId).toBe(api.scheduler.workerId);
    // ?limit=N: the newest N runs (a repeating job's history grows with every run), still oldest first.
    const newest = await api.call('GET', `jobs/${id}/history?limit=1`);
    expect(newest.body.data.map((h: any) => [h.attempt, h.status])).toEqual([[2, 'failed']]);
    expect(newest.body.job.id).toBe(id);
    expect((await api.call('GET', `jobs/${id}/history?limit=5`)).body.data).toHaveLength(2);
    expect((await api.call('GET', `jobs/${id}/history?limit=0`)).body.error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'limit' });
    expect((await api.call('GET', `jobs/${id}/history?limit=x`)).body.error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'limit' });
    expect((await api.call('GET', `jobs/${id}/history?lmit=1`)).body.error).toMatchObject({ code: 'UNKNOWN_FIELD', field: 'lmit' });
  });
});

describe('POST /jobs/bulk', () => {
  it('retries, cancels and deletes many jobs, answering for each one', async () => {
    const api = await start({ define: failing });
    const ids: string[] = [];
    for (const file of ['bad-1', 'bad-2', 'ok']) ids.push((await api.call('POST', 'jobs', { name: 'thumbnail', data: { file } })).body.id);
    const later = (await api.call('POST', 'jobs', { name: 'report', runAt: 'in 1 hour' })).body.id;
    await settled(api, 3);

    const retry = await api.call('POST', 'jobs/bulk', { action: 'retry', ids: [ids[0], ids[1], 'nope'] });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ action: 'retry', done: 2, failed: 1 });
    expect(retry.body.results[2]).toMatchObject({ id: 'nope', ok: false, error: { code: 'JOB_NOT_FOUND' } });
    await waitUntil(async () => (await api.scheduler.getJob(ids[0]!))?.attempts === 1 && (await api.scheduler.getJob(ids[0]!))?.status === 'failed');

    const cancel = await api.call('POST', 'jobs/bulk', { action: 'cancel', ids: [later, ids[2]] });
    expect(cancel.body.results).toEqual([
      { id: later, ok: true, status: 'cancelled' },
      { id: ids[2], ok: false, status: 'completed', error: { code: 'JOB_STATE', message: `job ${ids[2]} is already completed` } },
    ]);

    const del = await api.call('POST', 'jobs/bulk', { action: 'delete', ids: [later, later, ids[2]] });
    expect(del.body).toMatchObject({ done: 2, failed: 0 });
    expect(await api.scheduler.getJob(later)).toBeNull();

    for (const [body, field] of [
      [{ action: 'explode', ids: ['1'] }, 'action'],
      [{ action: 'retry', ids: [] }, 'ids'],
      [{ action: 'retry', ids: [{}] }, 'ids[0]'],
      [{ action: 'retry', ids: ['1'], extra: 1 }, 'extra'],
    ] as const) {
      const bad = await api.call('POST', 'jobs/bulk', body);
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe(field);
    }
  });
});

describe('GET /jobs?sort=&dir=', () => {
  it('orders across pages on the server, with filters, ties by insertion; a bad field or direction is a 400 naming it', async () => {
    const api = await start({ start: false });
    const at = Date.now() + 3_600_000;
    // Inserted in one order, due in another; two tie on their due time.
    const jobs = await api.scheduler.scheduleBulk([
      { name: 'b', runAt: at + 3000 },
      { name: 'a', runAt: at + 1000 },
      { name: 'c', runAt: at + 2000 },
      { name: 'a', runAt: at + 1000, priority: 'high' },
      { name: 'd', runAt: at },
    ]);
    const ids = jobs.map((j) => j.id);
    const page = async (query: string) => (await api.call('GET', `jobs?${query}`)).body.data.map((j: any) => j.id);
    const byDue = [ids[4], ids[1], ids[3], ids[2], ids[0]];
    expect([...(await page('sort=nextRunAt&limit=2')), ...(await page('sort=nextRunAt&limit=2&offset=2')), ...(await page('sort=nextRunAt&limit=2&offset=4'))]).toEqual(byDue);
    expect(await page('sort=nextRunAt&dir=desc')).toEqual([...byDue].reverse());
    expect(await page('sort=name&dir=asc')).toEqual([ids[1], ids[3], ids[0], ids[2], ids[4]]);
    expect(await page('sort=priority&dir=desc&limit=1')).toEqual([ids[3]]);
    expect(await page('sort=nextRunAt&name=a')).toEqual([ids[1], ids[3]]);
    expect(await page('dir=asc')).toEqual(ids);
    expect(await page('')).toEqual([...ids].reverse());
    expect((await api.call('GET', 'jobs?sort=name&limit=1')).body).toMatchObject({ order: { by: 'name', dir: 'asc' }, total: 5, more: true });

    for (const [query, field, value] of [['sort=color', 'sort', 'color'], ['sort=nextRunAt&dir=up', 'dir', 'up'], ['sort=status', 'sort', 'status']] as const) {
      const bad = await api.call('GET', `jobs?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.error, query).toMatchObject({ code: 'INVALID_ARGUMENT', field, value });
      expect(bad.body.error.message, query).toContain(value);
    }
    // The same checks in scheduler.listJobs, naming the filter's field.
    await expect(api.scheduler.listJobs({ order: { by: 'color' } } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'filter.order.by', value: 'color' });
    await expect(api.scheduler.listJobs({ order: { by: 'name', dir: 'up' } } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'filter.order.dir', value: 'up' });
    await expect(api.scheduler.listJobs({ order: { by: 'name', then: 'id' } } as never)).rejects.toMatchObject({ field: 'filter.order.then' });
    await expect(api.scheduler.listJobs({ repeating: false } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'filter.repeating', value: false });
  });
});

describe('GET /schedules and pause/resume', () => {
  it('pages through every repeating job, however many one-off jobs are newer', async () => {
    const api = await start({ start: false });
    await api.scheduler.every('1 hour', 'hourly', null);
    await api.scheduler.schedule({ name: 'yearly', repeat: { cron: '0 0 1 1 *' } });
    // 20,001 one-off jobs inserted after them: more than the route ever looked through before it had an index.
    for (let i = 0; i < 20_001; i += 5000) {
      await api.scheduler.scheduleBulk(Array.from({ length: Math.min(5000, 20_001 - i) }, () => ({ name: 'one-off', runAt: Date.now() + 86_400_000 })));
    }
    const first = await api.call('GET', 'schedules?limit=1');
    expect(first.body).toMatchObject({ more: true, limit: 1, offset: 0 });
    const second = await api.call('GET', 'schedules?limit=1&offset=1');
    expect(second.body).toMatchObject({ more: false, offset: 1 });
    // Soonest first: the hourly job (within the hour) before the yearly one.
    expect([...first.body.data, ...second.body.data].map((s: any) => s.name)).toEqual(['hourly', 'yearly']);
    expect((await api.call('GET', 'schedules?sort=name&dir=desc')).body.data.map((s: any) => s.name)).toEqual(['yearly', 'hourly']);
    expect((await api.call('GET', 'schedules?limit=0')).body.error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'limit', value: '0' });
    expect((await api.call('GET', 'schedules?page=2')).body.error).toMatchObject({ code: 'UNKNOWN_FIELD', field: 'page' });
  }, 30_000);


  it('lists every repeating job with its next five runs, time zone, last outcome and paused name', async () => {
    const api = await start({ define: failing });
    await api.scheduler.every('0 9 * * 1', 'report', null, { key: 'Weekly report', timezone: 'Europe/Paris' });
    await api.scheduler.every('10 minutes', 'thumbnail', { file: 'bad-logo' });
    await api.call('POST', 'jobs', { name: 'report', runAt: 'in 1 hour' }); // one-off: not a schedule
    await waitUntil(async () => (await api.call('GET', 'schedules')).body.data.some((s: any) => s.lastOutcome === 'failed'));

    expect((await api.call('POST', 'names/report/pause')).body).toEqual({ name: 'report', paused: true });
    const r = await api.call('GET', 'schedules');
    expect(r.body).toMatchObject({ more: false, paused: ['report'], limit: 100, offset: 0, order: { by: 'nextRunAt', dir: 'asc' } });
    // Soonest first; which one that is depends on the day and hour the test runs.
    const first = r.body.data.find((x: any) => x.name === 'thumbnail');
    const second = r.body.data.find((x: any) => x.name === 'Weekly report');
    expect(r.body.data).toHaveLength(2);
    expect(first).toMatchObject({ name: 'thumbnail', handler: 'thumbnail', repeat: { every: 600_000 }, timezone: null, lastOutcome: 'failed', lastError: 'cannot decode bad-logo', paused: false });
    expect(first.next).toHaveLength(5);
    expect(Date.parse(first.next[1]) - Date.parse(first.next[0])).toBe(600_000);
    expect(second).toMatchObject({ name: 'Weekly report', handler: 'report', timezone: 'Europe/Paris', lastOutcome: null, paused: true });
    // Mondays at 9:00 in Paris: 08:00 UTC in winter, 07:00 in summer.
    for (const t of second.next) {
      expect(new Date(t).getUTCDay()).toBe(1);
      expect([7, 8]).toContain(new Date(t).getUTCHours());
    }
    expect(await api.scheduler.pausedNames()).toEqual(['report']);
    expect((await api.call('POST', 'names/report/resume')).body).toEqual({ name: 'report', paused: false });
    expect(await api.scheduler.pausedNames()).toEqual([]);
    expect((await api.call('POST', 'names/report/pause?x=1')).status).toBe(400);
  });
});

describe('GET /stats, /activity, /processes', () => {
  it('answers the overview in one call: counts by status and name, the oldest waiting job, activity, processes', async () => {
    const api = await start({ define: failing });
    for (const file of ['a', 'b', 'bad']) await api.call('POST', 'jobs', { name: 'thumbnail', data: { file } });
    await settled(api, 3);
    await api.scheduler.stopWorkers();
    const waiting = (await api.call('POST', 'jobs', { name: 'report', runAt: new Date(Date.now() - 60_000).toISOString() })).body;
    await api.call('POST', 'jobs', { name: 'report', runAt: 'in 2 hours' });

    const s = (await api.call('GET', 'stats')).body;
    expect(s.counts).toEqual({ pending: 2, running: 0, completed: 2, failed: 1, cancelled: 0, blocked: 0 });
    expect(s.total).toBe(5);
    expect(s.oldestWaiting).toMatchObject({ id: waiting.id, name: 'report' });
    expect(s.oldestWaiting.ageMs).toBeGreaterThanOrEqual(60_000);
    expect(s.names.map((n: any) => [n.name, n.counts.failed, n.lastHour.completed, n.lastHour.failed])).toEqual([
      ['report', 0, 0, 0],
      ['thumbnail', 1, 2, 1],
    ]);
    expect(s.names[1].lastHour.p50Ms).toBeGreaterThanOrEqual(0);
    expect(s.activity.minutes).toHaveLength(60);
    expect(s.activity).toMatchObject({ completed: 2, failed: 1, processes: 1 });
    expect(s.processes).toMatchObject({ shared: true, live: 1, total: 1, busy: 0, slots: 10 });
    expect(s.runner).toEqual({ running: false, activeJobs: 0, workerId: api.scheduler.workerId });
    expect((await api.call('GET', 'activity')).body).toMatchObject({ completed: 2, failed: 1 });
    expect((await api.call('GET', 'stats?x=1')).body.error.code).toBe('UNKNOWN_FIELD');
  });

  it('finds the oldest waiting job by due time, behind any number of pending jobs inserted before it', async () => {
    const api = await start({ start: false });
    // 300 pending jobs first, due later, the first of them due already; then one inserted last but due earliest.
    await api.scheduler.scheduleBulk(Array.from({ length: 300 }, (_, i) => ({ name: 'report', runAt: i === 0 ? Date.now() - 60_000 : Date.now() + 3_600_000 })));
    const earliest = await api.scheduler.schedule({ name: 'report', runAt: Date.now() - 600_000, priority: 'lowest' });
    const s = (await api.call('GET', 'stats')).body;
    expect(s.oldestWaiting).toMatchObject({ id: earliest.id, name: 'report' });
    expect(s.oldestWaiting.ageMs).toBeGreaterThanOrEqual(600_000);
    // Nothing due yet: nothing is waiting.
    await api.scheduler.remove(earliest.id);
    await api.scheduler.remove((await api.scheduler.listJobs({ status: 'pending', order: { by: 'nextRunAt' }, limit: 1 }))[0]!.id);
    expect((await api.call('GET', 'stats')).body.oldestWaiting).toBeNull();
  });

  it('lists the processes sharing the store; a store without a registry gets this process and a note', async () => {
    const store = new MemoryStore();
    const api = await start({ scheduler: { workerId: 'web-1', concurrency: 4 }, define: failing }, store);
    const other = await start({ scheduler: { workerId: 'worker-2', concurrency: 2 }, define: (s) => s.define('only-here', async () => 1) }, store);
    await other.scheduler.stop();
    const r = (await api.call('GET', 'processes')).body;
    expect(r).toMatchObject({ shared: true, heartbeatMs: 5000, runner: { running: true, workerId: 'web-1' } });
    expect(r.data.map((p: any) => [p.id, p.state, p.self, p.concurrency, p.names])).toEqual([
      ['web-1', 'running', true, 4, ['thumbnail', 'report']],
      ['worker-2', 'stopped', false, 2, ['only-here']],
    ]);
    expect(r.note).toBeUndefined();

    const bare = new MemoryStore() as Store;
    Object.assign(bare, { putProcess: undefined, listProcesses: undefined });
    const lone = await start({ scheduler: { workerId: 'lone' } }, bare);
    const l = (await lone.call('GET', 'processes')).body;
    expect(l.shared).toBe(false);
    expect(l.note).toMatch(/only this process/);
    expect(l.data.map((p: any) => p.id)).toEqual(['lone']);
  });
});

describe('the page and its assets', () => {
  it('serves the page and assets without the token, gzipped, with an ETag; every API route needs the token', async () => {
    const api = await start({ http: { token: 't0k' } });
    const page = await fetch(api.url, { headers: { 'accept-encoding': 'gzip' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await page.text();
    // Asset URLs carry a version made of their contents: cached for good, replaced when hourglass changes.
    const assets = [...html.matchAll(/(?:href|src)="(assets\/[^"]+)"/g)].map((m) => m[1]!);
    const version = /^assets\/(v-[\w-]+)\//.exec(assets[0]!)![1]!;
    const names = ['app.js', 'api.js', 'ui.js', 'charts.js', 'overview.js', 'jobs.js', 'create.js', 'job.js', 'schedules.js', 'processes.js', 'uplot.js', 'dashboard.css', 'uplot.css'];
    expect(assets.sort()).toEqual(names.map((n) => `assets/${version}/${n}`).sort());

    // Everything the page loads, gzipped as sent: well under the 150 KB budget.
    let gzipped = 0;
    for (const path of ['', ...assets]) {
      const res = await api.raw('GET', path, undefined, { 'accept-encoding': 'gzip' });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-encoding'), path).toBe('gzip');
      if (path !== '') expect(res.headers.get('cache-control'), path).toBe('public, max-age=31536000, immutable');
      gzipped += Number(res.headers.get('content-length'));
    }
    expect(gzipped).toBeLessThan(150 * 1024);

    // The page itself, and an asset without (or with an older) version: revalidated each time, 304 when unchanged.
    const plain = await fetch(new URL('assets/app.js', api.url));
    expect(plain.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(new URL('assets/v-older/app.js', api.url))).headers.get('cache-control')).toBe('no-cache');
    const etag = plain.headers.get('etag')!;
    expect(etag).toMatch(/^"/);
    expect((await fetch(new URL('assets/app.js', api.url), { headers: { 'if-none-match': etag } })).status).toBe(304);
    const again = await fetch(api.url, { headers: { 'if-none-match': page.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect((await api.call('GET', 'assets/..%2F..%2Fpackage.json')).status).toBe(404);
    expect((await api.call('GET', 'assets/constructor')).status).toBe(404);
    expect((await api.call('POST', 'assets/app.js')).status).toBe(405);

    for (const path of ['stats', 'activity', 'processes', 'schedules', 'jobs?q=x']) expect((await api.call('GET', path)).status, path).toBe(401);
    expect((await api.call('POST', 'jobs/bulk', { action: 'retry', ids: ['1'] })).status).toBe(401);
    expect((await api.call('POST', 'names/x/pause')).status).toBe(401);
    expect((await api.call('GET', 'stats', undefined, { authorization: 'Bearer t0k' })).status).toBe(200);
  });
});
