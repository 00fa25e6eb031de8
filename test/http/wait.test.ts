/**
 * GET /jobs/:id/wait: a long poll over scheduler.waitFor. On the model store; waitFor itself runs on every store
 * (test/conformance/scheduler-wait.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { waitUntil } from '../conformance/helpers.js';
import { startApi, type Api, type ErrorBody } from './helpers.js';

const open: Api[] = [];
afterEach(async () => {
  for (const api of open.splice(0)) await api.close();
});

let release: () => void = () => undefined;

async function start(http: { timeoutMs?: number } = {}): Promise<Api> {
  const gate = new Promise<void>((resolve) => (release = resolve));
  const api = await startApi(new MemoryStore(), {
    http,
    define: (s) => {
      s.define('render', async (job) => {
        await gate;
        return { pages: (job.data as { pages: number }).pages };
      });
      s.define('later', async () => undefined);
    },
  });
  open.push(api);
  return api;
}

describe('GET /jobs/:id/wait', () => {
  it('answers once the job has finished, with its result', async () => {
    const api = await start();
    const { body: job } = await api.call('POST', 'jobs', { name: 'render', data: { pages: 3 } });
    const waiting = api.call('GET', `jobs/${job.id}/wait?timeout=20s`);
    await waitUntil(async () => (await api.scheduler.getJob(job.id))!.status === 'running');
    release();
    const done = await waiting;
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: job.id, status: 'completed', result: { pages: 3 }, handler: 'render' });
  });

  it('answers 408 WAIT_TIMEOUT with the status once the timeout passed', async () => {
    const api = await start();
    const { body: job } = await api.call('POST', 'jobs', { name: 'later', runAt: 'in 1 hour' });
    const r = await api.call<ErrorBody>('GET', `jobs/${job.id}/wait?timeout=100`);
    expect(r.status).toBe(408);
    expect(r.body.error.code).toBe('WAIT_TIMEOUT');
    expect(r.body.error.message).toContain('pending');
  });

  it('holds the request for its own timeout, beyond the server bound on a request (timeoutMs)', async () => {
    const api = await start({ timeoutMs: 100 });
    const { body: job } = await api.call('POST', 'jobs', { name: 'later', runAt: 'in 1 hour' });
    const r = await api.call<ErrorBody>('GET', `jobs/${job.id}/wait?timeout=400`);
    expect(r.status).toBe(408);
    expect(r.body.error.code).toBe('WAIT_TIMEOUT');
  });

  it('refuses a bad timeout and unknown parameters, and answers 404 for an unknown job', async () => {
    const api = await start();
    const { body: job } = await api.call('POST', 'jobs', { name: 'later', runAt: 'in 1 hour' });
    const soon = await api.call<ErrorBody>('GET', `jobs/${job.id}/wait?timeout=soon`);
    expect(soon.status).toBe(400);
    expect(soon.body.error).toMatchObject({ code: 'INVALID_DURATION', field: 'timeout' });
    const long = await api.call<ErrorBody>('GET', `jobs/${job.id}/wait?timeout=10m`);
    expect(long.body.error).toMatchObject({ code: 'INVALID_DURATION', field: 'timeout' });
    expect(long.body.error.message).toContain('at most 5 minutes');
    expect((await api.call<ErrorBody>('GET', `jobs/${job.id}/wait?timout=1s`)).status).toBe(400);
    expect((await api.call<ErrorBody>('GET', 'jobs/987654/wait?timeout=1s')).body.error.code).toBe('JOB_NOT_FOUND');
  });

  it('stops waiting when the client goes away', async () => {
    const api = await start();
    const { body: job } = await api.call('POST', 'jobs', { name: 'later', runAt: 'in 1 hour' });
    // The route's call of waitFor, kept to see how it ends.
    let wait: Promise<unknown> | undefined;
    const waitFor = api.scheduler.waitFor.bind(api.scheduler);
    api.scheduler.waitFor = (...args: Parameters<typeof waitFor>) => (wait = waitFor(...args));
    const client = new AbortController();
    const request = fetch(new URL(`jobs/${job.id}/wait?timeout=4m`, api.url), { signal: client.signal }).catch(() => 'aborted');
    await waitUntil(() => wait !== undefined, 5_000, 'the route to wait');
    client.abort();
    expect(await request).toBe('aborted');
    await expect(wait).rejects.toMatchObject({ status: 499, code: 'CLIENT_GONE' });
  });
});
