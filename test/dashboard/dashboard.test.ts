/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against a real server and the
 * real SQLite store: what a person sees and clicks. Without /usr/bin/chromium a developer's run skips with one
 * line; in CI (CI=true) it fails, since .ci/run installs the browser.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { serve, type RunningServer } from '../../src/http/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { waitUntil } from '../conformance/helpers.js';

const CHROMIUM = process.env.HOURGLASS_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`dashboard tests cannot run in CI: no browser at ${CHROMIUM} (scripts/browser.sh installs it)`);
  process.stderr.write(`[hourglass tests] skipping dashboard tests: no browser at ${CHROMIUM} (apt-get install chromium)\n`);
}

describe.skipIf(!available)('dashboard (chromium)', () => {
  let browser: Browser;
  let dir: string;
  const open: { scheduler: Scheduler; server: RunningServer }[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-background-networking'] });
    dir = mkdtempSync(join(tmpdir(), 'hourglass-dashboard-'));
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const { scheduler, server } of open.splice(0)) {
      await server.close();
      await scheduler.stop({ graceful: false, timeoutMs: 1000 });
    }
  });

  async function start(options: { token?: string; basePath?: string } = {}) {
    const store = new SqliteStore({ path: join(dir, `${Math.random().toString(36).slice(2)}.db`) });
    const scheduler = new Scheduler({ store, logger: silentLogger, pollInterval: 100 });
    const server = await serve(scheduler, { port: 0, ...options });
    open.push({ scheduler, server });
    return { scheduler, server };
  }

  async function page(url: string): Promise<Page> {
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(url);
    await p.waitForSelector('body[data-loaded="true"]');
    expect(errors).toEqual([]);
    return p;
  }

  const rowsOf = (p: Page) => p.locator('[data-testid="job-row"]');

  it('shows jobs with their status, and the counts per status', async () => {
    const { scheduler, server } = await start();
    scheduler.define('report', async () => ({ rows: 3 }));
    await scheduler.schedule('in 1 hour', 'report', { kind: 'later' });
    await scheduler.every('0 9 * * 1', 'report', { kind: 'weekly' }, { key: 'Weekly Report' });
    const p = await page(server.url);
    await expect.poll(() => rowsOf(p).count()).toBe(2);
    expect(await p.locator('[data-testid="stat-pending"] .n').textContent()).toBe('2');
    expect(await p.locator('[data-testid="stat-all"] .n').textContent()).toBe('2');
    expect(await p.locator('[data-testid="health"]').textContent()).toContain('healthy');
    const text = await p.locator('[data-testid="jobs"]').textContent();
    expect(text).toContain('0 9 * * 1');
    await p.close();
  });

  it('creates a job from the form; the workers run it and its history shows the run', async () => {
    const { scheduler, server } = await start();
    scheduler.define('cleanupOldRecords', async (job) => ({ deleted: (job.data as { days: number }).days }));
    await scheduler.start();
    const p = await page(server.url);
    await p.fill('#c-name', 'One-off cleanup');
    await p.fill('#c-handler', 'cleanupOldRecords');
    await p.fill('#c-data', '{"days": 30}');
    await p.click('[data-testid="create-submit"]');
    await expect.poll(() => p.locator('[data-testid="message"]').textContent()).toContain('Created');
    await waitUntil(async () => (await scheduler.listJobs({ status: ['completed'] })).length === 1);
    // The new job is selected: its detail and history follow it to completion.
    await expect.poll(() => p.locator('[data-testid="history-row"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await p.locator('[data-testid="history-row"] .badge').textContent()).toBe('completed');
    expect(await p.locator('#detail-result').textContent()).toContain('"deleted": 30');
    await p.close();
  });

  it('shows the API error when the form is wrong, and creates nothing', async () => {
    const { scheduler, server } = await start();
    scheduler.define('report', async () => undefined);
    const p = await page(server.url);
    await p.fill('#c-name', 'report');
    await p.fill('#c-schedule', 'every blue moon');
    await p.click('[data-testid="create-submit"]');
    await expect.poll(() => p.locator('[data-testid="message"].error').textContent()).toMatch(/schedule|blue moon/i);
    expect(await scheduler.listJobs({})).toHaveLength(0);
    await p.close();
  });

  it('triggers, cancels and deletes from the table', async () => {
    const { scheduler, server } = await start();
    const ran: string[] = [];
    scheduler.define('report', async (job) => void ran.push(job.id));
    const later = await scheduler.schedule('in 1 hour', 'report', { n: 1 });
    const other = await scheduler.schedule('in 2 hours', 'report', { n: 2 });
    await scheduler.start();
    const p = await page(server.url);
    await expect.poll(() => rowsOf(p).count()).toBe(2);

    await p.locator(`[data-testid="job-row"][data-id="${later.id}"] [data-testid="trigger"]`).click();
    await waitUntil(() => ran.includes(later.id));
    await expect.poll(() => p.locator(`[data-testid="job-row"][data-id="${later.id}"]`).getAttribute('data-status')).toBe('completed');

    await p.locator(`[data-testid="job-row"][data-id="${other.id}"] [data-testid="cancel"]`).click();
    await expect.poll(async () => (await scheduler.getJob(other.id))?.status).toBe('cancelled');

    p.once('dialog', (d) => void d.accept());
    await p.locator(`[data-testid="job-row"][data-id="${other.id}"] [data-testid="delete"]`).click();
    await expect.poll(async () => scheduler.getJob(other.id)).toBeNull();
    await expect.poll(() => rowsOf(p).count()).toBe(1);
    expect(ran).toEqual([later.id]);
    await p.close();
  });

  it('stops and starts the workers', async () => {
    const { scheduler, server } = await start();
    scheduler.define('report', async () => undefined);
    await scheduler.start();
    const p = await page(server.url);
    await expect.poll(() => p.locator('[data-testid="runner-state"]').textContent()).toContain('workers running');
    await p.click('[data-testid="runner-stop"]');
    await expect.poll(() => p.locator('[data-testid="runner-state"]').textContent()).toContain('workers stopped');
    const job = await scheduler.now('report');
    await new Promise((r) => setTimeout(r, 300));
    expect((await scheduler.getJob(job.id))?.status).toBe('pending');
    await p.click('[data-testid="runner-start"]');
    await expect.poll(async () => (await scheduler.getJob(job.id))?.status, { timeout: 10_000 }).toBe('completed');
    await p.close();
  });

  it('with a token, asks for it, then works; under a basePath, everything resolves', async () => {
    const { scheduler, server } = await start({ token: 's3cret', basePath: '/ops/jobs' });
    scheduler.define('report', async () => undefined);
    await scheduler.schedule('in 1 hour', 'report');
    expect(server.url).toMatch(/\/ops\/jobs\/$/);
    const p = await page(server.url);
    await expect.poll(() => p.locator('#token-box').isVisible()).toBe(true);
    expect(await rowsOf(p).count()).toBe(0);
    await p.fill('[data-testid="token"]', 's3cret');
    await p.click('[data-testid="token-save"]');
    await expect.poll(() => rowsOf(p).count()).toBe(1);
    expect(await p.locator('[data-testid="health"]').textContent()).toContain('healthy');
    await p.close();
  });

  it('writes job data and errors as text, never as HTML', async () => {
    const { scheduler, server } = await start();
    scheduler.define('<img src=x onerror=window.pwned=1>', async () => {
      throw new Error('<script>window.pwned=2</script>');
    });
    await scheduler.start();
    const job = await scheduler.now('<img src=x onerror=window.pwned=1>', { html: '<b>bold</b>' });
    await waitUntil(async () => (await scheduler.getJob(job.id))?.status === 'failed');
    const p = await page(server.url);
    await expect.poll(() => rowsOf(p).count()).toBe(1);
    await p.locator('[data-testid="job-id"]').click();
    await expect.poll(() => p.locator('#detail-data').textContent()).toContain('<b>bold</b>');
    expect(await p.locator('[data-testid="jobs"]').textContent()).toContain('<script>window.pwned=2</script>');
    expect(await p.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await p.locator('[data-testid="jobs"] img, [data-testid="jobs"] b').count()).toBe(0);
    await p.close();
  });
});
