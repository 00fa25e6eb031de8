/** POST /events/:name: sendEvent over HTTP wakes the jobs waiting for it (docs/durable-steps.md). */
import { afterEach, expect, it } from 'vitest';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { waitUntil } from '../conformance/helpers.js';
import { startApi, type Api } from './helpers.js';

const open: Api[] = [];
afterEach(async () => {
  for (const api of open.splice(0)) await api.close();
});

it('POST /events/:name delivers the body as the payload and answers how many jobs it woke', async () => {
  const api = await startApi(new MemoryStore(), {
    define: (s) => s.define('order', async (job, ctx) => ctx.waitForEvent('payment', { match: { orderId: (job.data as { id: string }).id }, timeout: '1h' })),
  });
  open.push(api);
  const job = await api.scheduler.now('order', { id: 'o-1' });
  await waitUntil(async () => (await api.scheduler.history(job.id)).some((h) => h.kind === 'wait' && h.status === 'pending'));
  expect((await api.call('POST', '/events/payment', { orderId: 'o-2' })).body).toEqual({ woken: 0 });
  const sent = await api.call('POST', '/events/payment', { orderId: 'o-1', amount: 30 });
  expect(sent.status).toBe(200);
  expect(sent.body).toEqual({ woken: 1 });
  await waitUntil(async () => (await api.scheduler.getJob(job.id))?.status === 'completed');
  expect((await api.scheduler.getJob(job.id))!.result).toEqual({ orderId: 'o-1', amount: 30 });
  const history = (await api.call('GET', `/jobs/${job.id}/history`)).body as { data: { kind?: string; result: unknown }[] };
  expect(history.data.find((h) => h.kind === 'wait')!.result).toEqual({ orderId: 'o-1', amount: 30 });
});
