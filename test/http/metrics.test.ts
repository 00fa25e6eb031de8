/** GET /metrics, parsed as Prometheus would, after real jobs ran on a real SQLite store. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedStore } from '../conformance/factory.js';
import { waitUntil } from '../conformance/helpers.js';
import { storeFromUrl } from '../../src/core/store-url.js';
import { MAX_UNDEFINED_NAMES } from '../../src/http/metrics.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { parseMetrics, startApi, type Api } from './helpers.js';

describe('GET /metrics', () => {
  let created: CreatedStore;
  let api: Api;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    created = await sqliteFileFactory.create();
    api = await startApi(created.store, {
      scheduler: { defaults: { backoff: { type: 'fixed', delay: 10 } } },
      define: (s) => {
        s.define('ok', async () => 'fine');
        s.define('bad', async () => {
          throw new Error('nope');
        });
        s.define('hold', () => new Promise<void>((resolve) => (release = resolve)));
        s.define('idle "quoted" \\ name', async () => undefined);
      },
    });
  });
  afterAll(async () => {
    release();
    await api?.close();
    await created?.cleanup();
  });

  const scrape = async () => {
    const res = await api.call('GET', 'metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return { ...parseMetrics(res.text), text: res.text };
  };

  it('counts jobs by status and name, the queue, runs processed and failed, the store and the worker', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api.call('POST', 'jobs', { name: 'ok' })).body.id);
    ids.push((await api.call('POST', 'jobs', { name: 'bad', maxAttempts: 2 })).body.id);
    await api.call('POST', 'jobs', { name: 'ok', runAt: 'in 1 hour' });
    const cancelled = (await api.call('POST', 'jobs', { name: 'ok', runAt: 'in 2 hours' })).body.id;
    await api.call('POST', `jobs/${cancelled}/cancel`);
    await waitUntil(async () => {
      const statuses = await Promise.all(ids.map(async (id) => (await api.call('GET', `jobs/${id}`)).body.status));
      return statuses.every((s) => s === 'completed' || s === 'failed');
    }, 10_000, 'the jobs to finish');

    const { samples, types } = await scrape();
    expect(samples.get('hourglass_jobs{status="completed"}')).toBe(3);
    expect(samples.get('hourglass_jobs{status="failed"}')).toBe(1);
    expect(samples.get('hourglass_jobs{status="pending"}')).toBe(1);
    expect(samples.get('hourglass_jobs{status="cancelled"}')).toBe(1);
    expect(samples.get('hourglass_jobs{status="running"}')).toBe(0);
    expect(samples.get('hourglass_jobs_by_name{name="ok",status="completed"}')).toBe(3);
    expect(samples.get('hourglass_jobs_by_name{name="ok",status="pending"}')).toBe(1);
    expect(samples.get('hourglass_jobs_by_name{name="bad",status="failed"}')).toBe(1);
    expect(samples.get('hourglass_jobs_by_name{name="bad",status="completed"}')).toBe(0);
    expect(samples.get('hourglass_queue_size')).toBe(1);

    expect(samples.get('hourglass_jobs_processed_total{name="ok"}')).toBe(3);
    expect(samples.get('hourglass_jobs_processed_total{name="bad"}')).toBe(2);
    expect(samples.get('hourglass_jobs_failed_total{name="bad"}')).toBe(2);
    expect(samples.get('hourglass_jobs_failed_total{name="ok"}')).toBe(0);
    // A defined name that never ran is still there, at 0, with its label escaped.
    expect(samples.get('hourglass_jobs_processed_total{name="idle \\"quoted\\" \\\\ name"}')).toBe(0);

    expect(samples.get('hourglass_store_up')).toBe(1);
    const latency = samples.get('hourglass_store_latency_seconds')!;
    expect(latency).toBeGreaterThanOrEqual(0);
    expect(latency).toBeLessThan(1);
    expect(samples.get('hourglass_worker_running')).toBe(1);
    expect(samples.get('hourglass_jobs_running')).toBe(0);

    expect(types.get('hourglass_jobs')).toBe('gauge');
    expect(types.get('hourglass_jobs_processed_total')).toBe('counter');
    expect(types.get('hourglass_jobs_failed_total')).toBe('counter');
  });

  it("histograms of this process's run times and waits, and a retries counter, cumulative as Prometheus reads them", async () => {
    const { samples, types } = await scrape();
    expect(types.get('hourglass_job_run_duration_seconds')).toBe('histogram');
    expect(types.get('hourglass_job_wait_seconds')).toBe('histogram');
    expect(types.get('hourglass_job_retries_total')).toBe('counter');
    // The first test ran 3 'ok' runs and 2 'bad' ones (the first retried once).
    expect(samples.get('hourglass_job_run_duration_seconds_count{name="ok"}')).toBe(3);
    expect(samples.get('hourglass_job_run_duration_seconds_count{name="bad"}')).toBe(2);
    expect(samples.get('hourglass_job_retries_total{name="bad"}')).toBe(1);
    expect(samples.get('hourglass_job_retries_total{name="ok"}')).toBe(0);
    expect(samples.get('hourglass_job_wait_seconds_count{name="ok"}')).toBe(3);
    for (const family of ['hourglass_job_run_duration_seconds', 'hourglass_job_wait_seconds']) {
      const buckets = [...samples.entries()].filter(([k]) => k.startsWith(`${family}_bucket{name="ok",`)).map(([, v]) => v);
      expect(buckets.length).toBeGreaterThan(10);
      // Cumulative: never decreasing, and the last (+Inf) is the count.
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
      expect(buckets.at(-1)).toBe(samples.get(`${family}_count{name="ok"}`));
      expect(samples.get(`${family}_sum{name="ok"}`)).toBeGreaterThanOrEqual(0);
    }
    // No-op handlers on an idle worker: every run well under a second.
    expect(samples.get('hourglass_job_run_duration_seconds_bucket{name="ok",le="1"}')).toBe(3);
  });

  it('passes promtool check metrics', async () => {
    const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
    if (!promtool) {
      if (process.env.CI === 'true') throw new Error('promtool is missing: scripts/services.sh installs it (Debian package prometheus)');
      process.stderr.write('[hourglass tests] skipping promtool check: promtool is not installed (scripts/services.sh installs it)\n');
      return;
    }
    const { text } = await scrape();
    const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(result.stderr + result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('storeMetrics: false leaves the store-wide series out, and keeps this process\'s', async () => {
    // Its own handle on the same file: closing it must not close the suite's store.
    const other = await startApi(await storeFromUrl(created.url), { http: { storeMetrics: false }, start: false });
    try {
      const res = await other.call('GET', 'metrics');
      const { samples } = parseMetrics(res.text);
      expect([...samples.keys()].filter((k) => /^(hourglass_jobs\{|hourglass_jobs_by_name\{|hourglass_queue_size$)/.test(k))).toEqual([]);
      expect(samples.get('hourglass_store_up')).toBe(1);
      expect(samples.has('hourglass_worker_running')).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('shows a job running in this process, and the worker stopped', async () => {
    const held = (await api.call('POST', 'jobs', { name: 'hold' })).body.id;
    await waitUntil(async () => (await api.call('GET', `jobs/${held}`)).body.status === 'running', 5_000, 'the held job to start');
    let { samples } = await scrape();
    expect(samples.get('hourglass_jobs_running')).toBe(1);
    expect(samples.get('hourglass_jobs{status="running"}')).toBe(1);
    release();
    await waitUntil(async () => (await api.call('GET', `jobs/${held}`)).body.status === 'completed', 5_000, 'the held job to finish');

    await api.call('POST', 'jobs/runner/stop');
    ({ samples } = await scrape());
    expect(samples.get('hourglass_worker_running')).toBe(0);
    expect(samples.get('hourglass_jobs_running')).toBe(0);
    expect(samples.get('hourglass_jobs_processed_total{name="hold"}')).toBe(1);
    await api.call('POST', 'jobs/runner/start');
    ({ samples } = await scrape());
    expect(samples.get('hourglass_worker_running')).toBe(1);
  });

  it('writes HELP and TYPE once per family, before its samples', async () => {
    const { text } = await scrape();
    const seen = new Set<string>();
    let current = '';
    for (const line of text.trimEnd().split('\n')) {
      const type = /^# TYPE (\S+)/.exec(line);
      if (type) {
        expect(seen.has(type[1]!), `TYPE ${type[1]} twice`).toBe(false);
        seen.add(type[1]!);
        current = type[1]!;
      } else if (!line.startsWith('#')) {
        // A histogram's samples are its family name with _bucket, _sum or _count.
        expect(line.split(/[{ ]/)[0]!.replace(/_(bucket|sum|count)$/, (m) => (line.startsWith(current) ? '' : m))).toBe(current);
      }
    }
  });

  it('concurrent scrapes all answer, and agree on everything but the measured latency', async () => {
    const texts = await Promise.all(Array.from({ length: 5 }, () => api.call('GET', 'metrics').then((r) => r.text)));
    expect(new Set(texts.map((t) => t.replace(/^hourglass_store_latency_seconds .*$/m, ''))).size).toBe(1);
  });
});

describe('GET /metrics with a fallback handler running many names', () => {
  it(`gives the first ${MAX_UNDEFINED_NAMES} names it runs series of their own, and counts the rest together`, async () => {
    const store = new MemoryStore();
    let runs = 0;
    const api = await startApi(store, {
      scheduler: {
        handler: async (job) => {
          runs++;
          if (job.name.endsWith('!')) throw new Error('no');
        },
      },
      define: (s) =>
        s.define('defined', async () => {
          runs++;
        }),
    });
    try {
      // Each job a name of its own (per tenant, say), the last ten failing, then a defined name's job.
      const names = Array.from({ length: MAX_UNDEFINED_NAMES + 20 }, (_, i) => `tenant-${String(i).padStart(4, '0')}${i >= MAX_UNDEFINED_NAMES + 10 ? '!' : ''}`);
      for (const name of names) await api.call('POST', 'jobs', { name, maxAttempts: 1 });
      await waitUntil(async () => runs === names.length, 10_000, 'every job to run');
      await api.call('POST', 'jobs', { name: 'defined' });
      // Counted when each run's outcome is out (job:success, job:fail), a moment after the handler returns.
      const scrape = async () => parseMetrics((await api.call('GET', 'metrics')).text).samples;
      await waitUntil(async () => {
        const s = await scrape();
        return s.get('hourglass_jobs_processed_total{name="defined"}') === 1 && s.get('hourglass_jobs_processed_total{others="true"}') === 20;
      }, 10_000, 'every outcome counted');
      const samples = await scrape();
      const own = [...samples.keys()].filter((k) => k.startsWith('hourglass_jobs_processed_total{name="tenant-'));
      expect(own).toHaveLength(MAX_UNDEFINED_NAMES);
      expect(samples.get('hourglass_jobs_processed_total{others="true"}')).toBe(20);
      expect(samples.get('hourglass_jobs_failed_total{others="true"}')).toBe(10);
      expect(samples.get('hourglass_job_run_duration_seconds_count{others="true"}')).toBe(20);
      // A defined name keeps its own series whatever came before it.
      expect(samples.get('hourglass_jobs_processed_total{name="defined"}')).toBe(1);
      // Nothing is lost: the series add up to every run.
      const total = [...samples.entries()].filter(([k]) => k.startsWith('hourglass_jobs_processed_total{')).reduce((sum, [, v]) => sum + v, 0);
      expect(total).toBe(names.length + 1);
    } finally {
      await api.close();
    }
  });
});
