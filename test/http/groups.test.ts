/** POST /jobs takes `group` (a tenant), checked as the library checks it; the job comes back with it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { startApi, type Api } from './helpers.js';

describe('HTTP: groups', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi(new MemoryStore(), { define: (s) => s.define('sync', async () => null, { groupConcurrency: 2 }), start: false });
  });
  afterAll(async () => api?.close());

  it('creates a job in a group and shows it', async () => {
    const created = await api.call('POST', '/jobs', { name: 'sync', group: 'tenant-7' });
    expect(created.status).toBe(201);
    expect(created.body.group).toBe('tenant-7');
    expect((await api.call('GET', `/jobs/${created.body.id}`)).body.group).toBe('tenant-7');
    expect((await api.call('POST', '/jobs', { name: 'sync' })).body.group).toBeNull();
  });

  it('refuses a bad group with 400 naming the field', async () => {
    for (const group of ['', 7, 'x'.repeat(201)]) {
      const reply = await api.call('POST', '/jobs', { name: 'sync', group });
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(reply.body.error.message).toMatch(/^group:/);
    }
  });
});
