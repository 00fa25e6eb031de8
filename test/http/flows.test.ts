/** Workflow graphs over HTTP: POST /flows, GET /jobs?status=blocked (what each waits for), a bad graph's 400. */
import { afterEach, expect, it } from 'vitest';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { waitUntil } from '../conformance/helpers.js';
import { startApi, type Api } from './helpers.js';

const open: Api[] = [];
afterEach(async () => {
  for (const api of open.splice(0)) await api.close();
});

it('creates a graph with POST /flows, lists its blocked nodes and runs it', async () => {
  const api = await startApi(new MemoryStore(), { define: (s) => s.define('step', async (job) => job.data), start: false });
  open.push(api);
  const created = await api.call('POST', '/flows', {
    nodes: [
      { key: 'a', name: 'step', data: 1 },
      { key: 'b', name: 'step', data: 2, after: ['a'] },
    ],
  });
  expect(created.status).toBe(201);
  expect(created.body.jobs.b).toMatchObject({ status: 'blocked', waitingFor: 1, dependencies: { a: created.body.jobs.a.id } });
  const blocked = await api.call('GET', '/jobs?status=blocked&counts=true');
  expect(blocked.body.data.map((j: { id: string }) => j.id)).toEqual([created.body.jobs.b.id]);
  expect(blocked.body.counts.blocked).toBe(1);
  await api.scheduler.start();
  await waitUntil(async () => (await api.scheduler.getJob(created.body.jobs.b.id))!.status === 'completed');
});

it('answers a bad graph with 400 INVALID_FLOW and stores nothing', async () => {
  const api = await startApi(new MemoryStore(), { start: false });
  open.push(api);
  const reply = await api.call('POST', '/flows', { nodes: [{ key: 'a', name: 'x', after: ['a'] }] });
  expect(reply.status).toBe(400);
  expect(reply.body.error.code).toBe('INVALID_FLOW');
  expect(reply.body.error.message).toContain('"a"');
  expect((await api.call('GET', '/jobs')).body.data).toEqual([]);
});
