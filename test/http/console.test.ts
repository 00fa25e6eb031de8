/** GET /jobs?group= and GET /groups (issue 14): a tenant's jobs, and each name's groups with what throttles it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { startApi, type Api } from './helpers.js';

describe('HTTP: groups in lists and the groups view', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(new MemoryStore(), { define: (s) => s.define('sync', async () => null, { groupConcurrency: 2, concurrency: 10 }), start: false });
    for (const group of ['acme', 'acme', 'acme', 'globex']) await api.call('POST', '/jobs', { name: 'sync', group });
    await api.call('POST', '/jobs', { name: 'sync' });
  });
  afterAll(async () => api?.close());

  it('lists one group\'s jobs, paged with `more` as a search is, and without counts', async () => {
    const page = await api.call('GET', '/jobs?group=acme&limit=2&counts=true');
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.data.every((j: { group: string }) => j.group === 'acme')).toBe(true);
    expect(page.body).toMatchObject({ total: null, more: true });
    expect(page.body.counts).toBeUndefined();
    const rest = await api.call('GET', '/jobs?group=acme&limit=2&offset=2');
    expect(rest.body.data).toHaveLength(1);
    expect(rest.body.more).toBe(false);
    expect((await api.call('GET', '/jobs?group=globex&name=sync&status=pending')).body.data).toHaveLength(1);
    expect((await api.call('GET', '/jobs?group=nobody')).body.data).toEqual([]);
  });

  it('refuses a bad group with 400 naming the field and the value', async () => {
    const reply = await api.call('GET', `/jobs?group=${'x'.repeat(201)}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('INVALID_ARGUMENT');
    expect(reply.body.error.message).toMatch(/^group: .*xxxx/);
  });

  it('GET /groups answers each name\'s groups biggest first, with its limits and what throttles it', async () => {
    const reply = await api.call('GET', '/groups?name=sync&name=other&limit=1');
    expect(reply.status).toBe(200);
    const [sync, other] = reply.body.data;
    expect(sync).toMatchObject({ name: 'sync', groups: [{ group: 'acme', due: 3, running: 0, atCap: false }], more: 1, running: 0, throttled: [] });
    expect(sync.limits).toEqual({ concurrency: 10, groupConcurrency: 2, rateLimit: null });
    expect(other).toMatchObject({ name: 'other', groups: [], more: 0, limits: null, throttled: [] });
  });

  it('GET /groups refuses what it cannot answer, naming the parameter', async () => {
    for (const [path, field] of [['/groups', 'name'], ['/groups?name=sync&limit=0', 'limit'], ['/groups?name=sync&limit=abc', 'limit'], ['/groups?name=sync&page=1', 'page']] as const) {
      const reply = await api.call('GET', path);
      expect(reply.status, path).toBe(400);
      expect(reply.body.error.message, path).toMatch(new RegExp(`^${field}:`));
    }
  });
});
