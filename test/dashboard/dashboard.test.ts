/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against a real server: what an
 * operator sees and clicks in each view. Without /usr/bin/chromium a developer's run skips with one line; in
 * CI (CI=true) it fails, since .ci/run installs the browser.
 *
 * The views run on the model store (MemoryStore), which has every feature they use (search, the process
 * registry); the real stores are proven equal to it by the conformance and differential suites. The one test
 * that needs two real processes shares a SQLite file (see its note). Tests wait for DOM states and store
 * states, never for a fixed time.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler, type SchedulerOptions } from '../../src/core/scheduler.js';
import type { Store } from '../../src/core/store.js';
import { serve, type RunningServer, type ServeOptions } from '../../src/http/index.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { waitUntil } from '../conformance/helpers.js';
import { statusOf } from '../support/scheduler.js';

const CHROMIUM = process.env.HOURGLASS_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`dashboard tests cannot run in CI: no browser at ${CHROMIUM} (scripts/browser.sh installs it)`);
  process.stderr.write(`[hourglass tests] skipping dashboard tests: no browser at ${CHROMIUM} (apt-get install chromium)\n`);
}
/** Two real processes need a store both can open that keeps the process registry: SQLite, once it has one. */
const SQLITE_REGISTRY = typeof (SqliteStore.prototype as Partial<Store>).putProcess === 'function';

describe.skipIf(!available)('dashboard (chromium)', () => {
  let browser: Browser;
  /** One context for every page: a new context per page costs about a second on a loaded CI machine. */
  let context: BrowserContext;
  let dir: string;
  const open: { scheduler: Scheduler; server: RunningServer }[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-background-networking'] });
    context = await browser.newContext();
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

  async function start(options: { http?: ServeOptions; scheduler?: SchedulerOptions; store?: Store } = {}) {
    const scheduler = new Scheduler({ store: options.store ?? new MemoryStore(), logger: silentLogger, pollInterval: 50, ...options.scheduler });
    const server = await serve(scheduler, { port: 0, ...options.http });
    open.push({ scheduler, server });
    return { scheduler, server };
  }

  /**
   * A page at `url` (hash included), loaded, with no script error; `width` sets the window. It refreshes every
   * 300 ms (?refresh=) rather than 2 s, so what changes without a click shows sooner.
   */
  async function page(url: string, width = 1400): Promise<Page> {
    const p = await context.newPage();
    await p.setViewportSize({ width, height: 900 });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(fast(url));
    await p.waitForSelector('body[data-loaded="true"]');
    expect(errors).toEqual([]);
    return p;
  }

  const fast = (url: string) => url.replace(/\/(#|$)/, '/?refresh=300$1');
  const rows = (p: Page) => p.locator('[data-testid="job-row"]');
  const row = (p: Page, id: string) => p.locator(`[data-testid="job-row"][data-id="${id}"]`);
  /** A scheduler whose 'thumbnail' fails for files named bad-*, until `heal()`. */
  function thumbnails(s: Scheduler) {
    let healed = false;
    s.define('thumbnail', async (job) => {
      const { file } = job.data as { file: string };
      if (!healed && file.startsWith('bad')) throw new Error(`cannot decode ${file}`);
      return { file, sizes: [128, 512] };
    });
    return { heal: () => (healed = true) };
  }

  it('job: a dedupe key with dedupeFor says until when it stays taken; one without, just the key', async () => {
    const { scheduler, server } = await start();
    const held = await scheduler.schedule('in 1 hour', 'report', {}, { dedupeKey: 'daily-report', dedupeFor: '2h' });
    const plain = await scheduler.schedule('in 1 hour', 'report', {}, { dedupeKey: 'weekly-report' });
    const p = await page(server.url + `#/jobs/${held.id}`);
    await expect.poll(() => p.locator('[data-field="dedupe key"]').textContent()).toMatch(/^daily-report \(taken until .+\)$/);
    // The time as this browser writes it, from the job's own dedupeUntil (two hours after it was enqueued).
    expect(held.dedupeUntil!.getTime() - held.createdAt.getTime()).toBe(2 * 3_600_000);
    const until = await p.evaluate((iso) => new Date(iso).toLocaleString(), held.dedupeUntil!.toISOString());
    expect(await p.locator('[data-field="dedupe key"]').textContent()).toBe(`daily-report (taken until ${until})`);
    await p.goto(server.url + `#/jobs/${plain.id}`);
    await expect.poll(() => p.locator('[data-field="dedupe key"]').textContent()).toBe('weekly-report');
  });

  it('job: a durable job shows its steps and the event it waits for, then the delivered payload', async () => {
    const { scheduler, server } = await start();
    scheduler.define('onboard', async (job, ctx) => {
      const user = await ctx.step('create user', () => ({ id: (job.data as { id: number }).id }));
      return ctx.waitForEvent('payment', { match: { userId: user.id }, timeout: '1h' });
    });
    await scheduler.start();
    const job = await scheduler.now('onboard', { id: 42 });
    await waitUntil(async () => (await scheduler.history(job.id)).some((h) => h.kind === 'wait'));

    const p = await page(server.url + `#/jobs/${job.id}`);
    const steps = p.locator('[data-testid="step-row"]');
    await expect.poll(() => steps.count()).toBe(2);
    expect((await steps.nth(0).locator('td').allTextContents()).map((t) => t.trim()).filter((_, i) => i !== 4)).toEqual(['step', 'create user', 'done', '1', '{"id":42}']);
    expect((await steps.nth(1).locator('td').allTextContents()).map((t) => t.trim()).slice(0, 3)).toEqual(['wait', 'wait:1', 'waiting']);
    expect(await p.locator('[data-field="waits for"]').textContent()).toMatch(/^event payment matching \{"userId":42\}, until /);
    expect(await p.locator('[data-testid="history-row"]').count()).toBe(0);

    expect(await scheduler.sendEvent('payment', { userId: 42, amount: 10 })).toBe(1);
    await waitUntil(async () => (await statusOf(scheduler, job.id)) === 'completed');
    await expect.poll(async () => (await steps.nth(1).locator('td').allTextContents()).map((t) => t.trim())[5]).toBe('{"userId":42,"amount":10}');
    expect(await p.locator('[data-field="waits for"]').textContent()).toBe('—');
    // The page may have drawn the delivered step from a read taken before the run settled: wait for its history.
    await expect.poll(() => p.locator('[data-testid="history-row"]').count()).toBe(1);
  });

  it('overview: counts by status and name, the last hour charted, the oldest waiting job; a count opens the jobs', async () => {
    const { scheduler, server } = await start();
    thumbnails(scheduler);
    scheduler.define('report', async () => 'ok');
    await scheduler.start();
    for (const file of ['a.png', 'b.png', 'bad.png']) await scheduler.now('thumbnail', { file });
    await waitUntil(async () => (await scheduler.countJobs()).completed === 2 && (await scheduler.countJobs()).failed === 1);
    await scheduler.stopWorkers();
    await scheduler.schedule(new Date(Date.now() - 90_000), 'report', { late: true });

    const p = await page(server.url);
    await expect.poll(() => p.locator('[data-testid="stat-failed"] .n').textContent()).toBe('1');
    expect(await p.locator('[data-testid="stat-completed"] .n').textContent()).toBe('2');
    expect(await p.locator('[data-testid="stat-pending"] .n').textContent()).toBe('1');
    expect(await p.locator('[data-testid="oldest-waiting"]').textContent()).toMatch(/1\.5 min|2 min|1 min.*report|report/);
    expect(await p.locator('[data-testid="last-hour"]').textContent()).toContain('2 completed · 1 failed');
    expect(await p.locator('.uplot canvas').count()).toBe(3);
    const thumbRow = p.locator('[data-testid="name-row"][data-name="thumbnail"]');
    expect(await thumbRow.textContent()).toContain('2 ✓ · 1 ✗');
    await expect.poll(() => thumbRow.locator('[data-testid="retry-failed"]').isVisible()).toBe(true);

    await p.click('[data-testid="stat-failed"]');
    await expect.poll(() => rows(p).count()).toBe(1);
    expect(p.url()).toMatch(/#\/jobs\?status=failed$/);
    expect(await rows(p).first().getAttribute('data-status')).toBe('failed');
    await p.close();
  });

  it('jobs: search by name, data or error text; status tabs with counts; paging', async () => {
    const { scheduler, server } = await start();
    thumbnails(scheduler);
    await scheduler.start();
    for (let i = 0; i < 27; i++) await scheduler.now('thumbnail', { file: `holiday-${i}.jpg` });
    await scheduler.now('thumbnail', { file: 'bad-Cat.GIF' });
    await waitUntil(async () => (await scheduler.countJobs()).completed === 27 && (await scheduler.countJobs()).failed === 1);

    const p = await page(server.url + '#/jobs');
    await expect.poll(() => p.locator('[data-testid="page"]').textContent()).toBe('1–25 of 28');
    expect(await p.locator('[data-testid="tab-failed"]').textContent()).toBe('failed 1');
    await p.click('[data-testid="next"]');
    await expect.poll(() => p.locator('[data-testid="page"]').textContent()).toBe('26–28 of 28');
    expect(await p.locator('[data-testid="next"]').isDisabled()).toBe(true);

    // Substring, any case, in data...
    await p.fill('[data-testid="search"]', 'cat');
    await expect.poll(() => rows(p).count()).toBe(1);
    expect(p.url()).toContain('q=cat');
    expect(await rows(p).first().textContent()).toContain('bad-Cat.GIF');
    // ...and in errors; a status tab narrows a search.
    await p.fill('[data-testid="search"]', 'DECODE');
    await expect.poll(() => p.url()).toContain('q=DECODE');
    await expect.poll(() => p.locator('[data-testid="jobs"]').textContent()).toContain('cannot decode bad-Cat.GIF');
    // A tab clicked right after typing keeps what was typed (it is not applied a poll later, nor lost).
    await p.fill('[data-testid="search"]', 'decode');
    await p.click('[data-testid="tab-completed"]');
    await expect.poll(() => p.locator('[data-testid="jobs"]').textContent()).toContain('No job matches “decode”');
    await p.fill('[data-testid="search"]', 'holiday-2');
    await expect.poll(() => rows(p).count()).toBe(8); // holiday-2 and holiday-20 to 26
    await p.close();
  });

  it('jobs: select failed jobs and retry them in bulk; retry all failed of a name; cancel and delete in bulk', async () => {
    const { scheduler, server } = await start();
    const { heal } = thumbnails(scheduler);
    await scheduler.start();
    const failed: string[] = [];
    for (let i = 0; i < 4; i++) failed.push((await scheduler.now('thumbnail', { file: `bad-${i}.png` })).id);
    const later = [await scheduler.schedule('in 1 hour', 'thumbnail', { file: 'later-1.png' }), await scheduler.schedule('in 2 hours', 'thumbnail', { file: 'later-2.png' })];
    await waitUntil(async () => (await scheduler.countJobs()).failed === 4);
    heal();

    const p = await page(server.url + '#/jobs?status=failed');
    await expect.poll(() => rows(p).count()).toBe(4);
    expect(await p.locator('[data-testid="bulk"]').isVisible()).toBe(false);
    await row(p, failed[0]!).locator('[data-testid="select"]').check();
    await row(p, failed[1]!).locator('[data-testid="select"]').check();
    await expect.poll(() => p.locator('[data-testid="bulk"]').textContent()).toContain('2 selected');
    await p.click('[data-testid="bulk-retry"]');
    await expect.poll(() => p.locator('[data-testid="message"]').textContent()).toContain('Retried 2 of 2');
    await waitUntil(async () => (await statusOf(scheduler, failed[0]!)) === 'completed' && (await statusOf(scheduler, failed[1]!)) === 'completed');
    await expect.poll(() => rows(p).count()).toBe(2);

    // The rest, by name: "retry all failed" asks first.
    await p.goto(fast(server.url + '#/jobs?status=failed&name=thumbnail'));
    p.once('dialog', (d) => void d.accept());
    await p.click('[data-testid="retry-all-failed"]');
    await expect.poll(() => p.locator('[data-testid="message"]').textContent()).toContain('Requeued 2 failed jobs of thumbnail');
    await waitUntil(async () => (await scheduler.countJobs()).failed === 0);
    await expect.poll(() => p.locator('[data-testid="jobs"]').textContent()).toContain('No jobs here');

    await p.goto(fast(server.url + '#/jobs?status=pending'));
    await expect.poll(() => rows(p).count()).toBe(2);
    await p.check('[data-testid="select-all"]');
    await p.click('[data-testid="bulk-cancel"]');
    await waitUntil(async () => (await statusOf(scheduler, later[0]!.id)) === 'cancelled' && (await statusOf(scheduler, later[1]!.id)) === 'cancelled');
    await p.click('[data-testid="tab-cancelled"]');
    await expect.poll(() => rows(p).count()).toBe(2);
    await p.check('[data-testid="select-all"]');
    p.once('dialog', (d) => void d.accept());
    await p.click('[data-testid="bulk-delete"]');
    await waitUntil(async () => (await scheduler.getJob(later[0]!.id)) === null && (await scheduler.getJob(later[1]!.id)) === null);
    await expect.poll(() => rows(p).count()).toBe(0);
    await p.close();
  });

  it('job: a history longer than the page shows asks for the latest runs only and says earlier ones are not shown', async () => {
    const { scheduler, server } = await start();
    scheduler.define('flaky', async () => {
      throw new Error('down');
    }, { attempts: 103, backoff: { type: 'fixed', delay: 0 } });
    await scheduler.start();
    const job = await scheduler.now('flaky');
    await waitUntil(async () => (await statusOf(scheduler, job.id)) === 'failed', 30_000, 'all 103 runs');
    const p = await page(server.url + `#/jobs/${job.id}`);
    const history = p.locator('[data-testid="history-row"]');
    await expect.poll(() => history.count()).toBe(100);
    expect(await p.locator('[data-testid="runs-title"]').textContent()).toBe('The latest 100 runs, oldest first (earlier ones not shown)');
    // The newest 100 of 103: attempts 4 to 103, numbered only by their attempt (their run number is not read).
    expect((await history.nth(0).locator('td').allTextContents()).slice(0, 2).map((t) => t.trim())).toEqual(['…', '4']);
    expect((await history.nth(99).locator('td').allTextContents()).slice(0, 2).map((t) => t.trim())).toEqual(['…', '103']);
    await p.close();
  });

  it('job: data, result, progress, the error with its stack, every run with its attempt, duration and worker; keyboard and close', async () => {
    const { scheduler, server } = await start();
    let runs = 0;
    scheduler.define('import', async (_job, ctx) => {
      runs++;
      await ctx.progress(40);
      if (runs < 3) throw new TypeError(`feed row ${runs} has no price`);
      return { imported: 12 };
    }, { attempts: 2, backoff: { type: 'fixed', delay: 1 } });
    await scheduler.start();
    const job = await scheduler.now('import', { feed: 'catalogue.xml' });
    await waitUntil(async () => (await statusOf(scheduler, job.id)) === 'failed');

    const p = await page(server.url + '#/jobs');
    await expect.poll(() => rows(p).count()).toBe(1);
    // Keyboard only: '/' goes to the search, Tab on to the job's link, Enter opens it.
    await p.keyboard.press('/');
    // The dashboard focuses the search in the next animation frame (the list may be mounting), so wait for it.
    await expect.poll(() => p.evaluate(() => document.activeElement?.id)).toBe('search');
    await p.locator('[data-testid="job-link"]').focus();
    await p.keyboard.press('Enter');
    await expect.poll(() => p.locator('[data-testid="stack"]').textContent()).toMatch(/^TypeError: feed row 2 has no price\n\s+at /);
    expect(p.url()).toContain(`#/jobs/${job.id}`);
    expect(await p.locator('[data-testid="last-error"]').textContent()).toBe('feed row 2 has no price');
    expect(await p.locator('#detail-data').textContent()).toContain('"feed": "catalogue.xml"');
    expect(await p.locator('[data-field="progress"]').textContent()).toContain('40 %');
    const history = p.locator('[data-testid="history-row"]');
    expect(await history.count()).toBe(2);
    const first = (await history.nth(0).locator('td').allTextContents()).map((t) => t.trim());
    expect(first.slice(0, 3)).toEqual(['#1', '1', 'failed']);
    expect(first[4]).toMatch(/ms$/);
    expect(first[5]).toBe(scheduler.workerId);
    await history.nth(0).locator('summary').click();
    expect(await history.nth(0).locator('[data-testid="run-stack"]').textContent()).toContain('feed row 1 has no price');

    // Run it again: a new cycle; the runs go on numbering (#3) while its attempt starts over at 1.
    await p.click('[data-testid="trigger"]');
    await waitUntil(async () => (await statusOf(scheduler, job.id)) === 'completed');
    await expect.poll(() => history.count()).toBe(3);
    expect((await history.nth(2).locator('td').allTextContents()).slice(0, 3).map((t) => t.trim())).toEqual(['#3', '1', 'completed']);
    await expect.poll(() => p.locator('#detail-result').textContent()).toContain('"imported": 12');
    expect(await p.locator('[data-testid="error"]').isVisible()).toBe(false);

    await p.click('[data-testid="close"]');
    await expect.poll(() => p.url()).toMatch(/#\/jobs$/);
    await p.locator('[data-testid="job-link"]').click();
    await p.waitForSelector('[data-testid="close"]');
    await p.keyboard.press('Escape');
    await expect.poll(() => p.url()).toMatch(/#\/jobs$/);
    await p.close();
  });

  it('jobs: a column header sorts every job on the server, across pages, both ways, then back to newest first', async () => {
    const { scheduler, server } = await start();
    const at = Date.now() + 3_600_000;
    // 30 jobs inserted in an order unrelated to their due times: the first page by due time holds older and newer ones.
    const jobs = await scheduler.scheduleBulk(Array.from({ length: 30 }, (_, i) => ({ name: 'report', runAt: at + ((i * 7) % 30) * 60_000 })));
    const byDue = [...jobs].sort((a, b) => a.nextRunAt!.getTime() - b.nextRunAt!.getTime()).map((j) => j.id);
    const p = await page(server.url + '#/jobs');
    const ids = () => rows(p).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
    await expect.poll(ids).toEqual([...jobs].reverse().slice(0, 25).map((j) => j.id));

    await p.click('[data-testid="sort-nextRunAt"]');
    await expect.poll(ids).toEqual(byDue.slice(0, 25));
    expect(p.url()).toMatch(/#\/jobs\?sort=nextRunAt&dir=asc$/);
    expect(await p.locator('th[data-sort="nextRunAt"]').getAttribute('aria-sort')).toBe('ascending');
    await p.click('[data-testid="next"]');
    await expect.poll(ids).toEqual(byDue.slice(25));
    // The other way starts again from the first page.
    await p.click('[data-testid="sort-nextRunAt"]');
    await expect.poll(ids).toEqual([...byDue].reverse().slice(0, 25));
    expect(await p.locator('th[data-sort="nextRunAt"]').getAttribute('aria-sort')).toBe('descending');
    await p.click('[data-testid="sort-nextRunAt"]');
    await expect.poll(ids).toEqual([...jobs].reverse().slice(0, 25).map((j) => j.id));
    expect(await p.locator('th[data-sort="nextRunAt"]').getAttribute('aria-sort')).toBe('none');
    await p.close();
  });

  it('polls a view that answers slowly less often (four times its answer\'s time), and at its pace again once it is quick', async () => {
    const { scheduler, server } = await start();
    await scheduler.scheduleBulk(Array.from({ length: 3 }, () => ({ name: 'report', runAt: Date.now() + 3_600_000 })));
    // The jobs view's one request, held 500 ms before it goes on (a store walking a million jobs), until `quick`.
    let slow = true;
    const asked: number[] = [];
    const answered: number[] = [];
    const p = await context.newPage();
    await p.route(/\/jobs\?/, async (route) => {
      asked.push(Date.now());
      if (slow) await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue();
      answered.push(Date.now());
    });
    await p.goto(fast(server.url + '#/jobs'));
    await p.waitForSelector('body[data-loaded="true"]');
    await expect.poll(() => p.locator('#live-text').textContent(), { timeout: 10_000 }).toMatch(/^live, every \d+ s \(a slow view\)$/);
    expect(Number(await p.getAttribute('body', 'data-pace'))).toBeGreaterThanOrEqual(4 * 500);
    // The next request waits at least four times the last answer's 500 ms (the page's own pace is 300 ms).
    await expect.poll(() => asked.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < 3; i++) expect(asked[i]! - answered[i - 1]!, `poll ${i + 1}`).toBeGreaterThanOrEqual(4 * 500 - 100);
    slow = false;
    await expect.poll(() => p.getAttribute('body', 'data-pace'), { timeout: 15_000 }).toBe('300');
    expect(await p.locator('#live-text').textContent()).toBe('live');
    await p.close();
  });

  it('schedules: pages through every repeating job', async () => {
    const { scheduler, server } = await start();
    // 60 schedules, due one minute apart: the first page shows the 50 due soonest.
    const made = [];
    for (let i = 0; i < 60; i++) made.push(await scheduler.schedule({ name: 'report', key: `every-${i}`, repeat: { every: '1h' }, runAt: Date.now() + (i + 1) * 60_000 }));
    const p = await page(server.url + '#/schedules');
    const ids = () => p.locator('[data-testid="schedule-row"]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
    await expect.poll(ids).toEqual(made.slice(0, 50).map((j) => j.id));
    expect(await p.locator('[data-testid="schedules-count"]').textContent()).toContain('1–50');
    await p.click('[data-testid="next"]');
    await expect.poll(ids).toEqual(made.slice(50).map((j) => j.id));
    expect(await p.locator('[data-testid="next"]').isDisabled()).toBe(true);
    await p.click('[data-testid="prev"]');
    await expect.poll(ids).toEqual(made.slice(0, 50).map((j) => j.id));
    await p.close();
  });

  it('schedules: every repeating job with its next five runs and time zone; pause and resume a name; run now', async () => {
    const { scheduler, server } = await start();
    const ran: string[] = [];
    scheduler.define('report', async (job) => void ran.push(job.id));
    await scheduler.start();
    const weekly = await scheduler.every('0 9 * * 1', 'report', { kind: 'weekly' }, { key: 'Weekly report', timezone: 'America/New_York' });
    await scheduler.every('1h', 'report', { kind: 'hourly' }, { key: 'Hourly report', skipImmediate: true });
    await scheduler.schedule('in 1 hour', 'report', { kind: 'one-off' });

    const p = await page(server.url + '#/schedules');
    const schedules = p.locator('[data-testid="schedule-row"]');
    await expect.poll(() => schedules.count()).toBe(2);
    const row1 = p.locator(`[data-testid="schedule-row"][data-id="${weekly.id}"]`);
    expect(await row1.textContent()).toContain('0 9 * * 1');
    expect(await row1.textContent()).toContain('America/New_York');
    expect(await row1.locator('.next-runs li').count()).toBe(5);
    expect(await row1.textContent()).toContain('not run yet');

    await row1.locator('[data-testid="pause"]').click();
    await waitUntil(async () => (await scheduler.pausedNames()).includes('report'));
    // Pause is per name: both schedules of 'report' show it.
    await expect.poll(() => p.locator('[data-testid="schedule-row"] [data-testid="resume"]').count()).toBe(2);
    expect(await row1.locator('.badge').last().textContent()).toBe('paused');
    await row1.locator('[data-testid="resume"]').click();
    await waitUntil(async () => (await scheduler.pausedNames()).length === 0);
    await expect.poll(() => p.locator('[data-testid="schedule-row"] [data-testid="pause"]').count()).toBe(2);

    await row1.locator('[data-testid="run-now"]').click();
    await waitUntil(() => ran.includes(weekly.id));
    // The run ends after the refresh the click made: seen at the page's next poll.
    await expect.poll(() => row1.textContent(), { timeout: 5000 }).toContain('completed');
    await p.close();
  });

  it('processes: the schedulers sharing the store, their slots and names; this process\'s workers stop and start', async () => {
    const store = new MemoryStore();
    const { scheduler, server } = await start({ store, scheduler: { workerId: 'web-1', concurrency: 4 } });
    scheduler.define('report', async () => undefined);
    await scheduler.start();
    const other = new Scheduler({ store, logger: silentLogger, workerId: 'batch-7', concurrency: 2, pollInterval: 50 });
    other.define('invoice', async () => undefined);
    await other.start();
    open.push({ scheduler: other, server: { close: async () => undefined } as RunningServer });

    const p = await page(server.url + '#/processes');
    const processes = p.locator('[data-testid="process-row"]');
    await expect.poll(() => processes.count()).toBe(2);
    const web = p.locator('[data-testid="process-row"][data-id="web-1"]');
    expect(await web.textContent()).toContain('this process');
    expect(await web.textContent()).toContain('0 / 4');
    expect(await p.locator('[data-testid="process-row"][data-id="batch-7"]').textContent()).toContain('invoice');
    await other.stop();
        await expect.poll(() => p.locator('[data-testid="process-row"][data-id="batch-7"]').getAttribute('data-state'), { timeout: 5000 }).toBe('stopped');

    await expect.poll(() => p.locator('[data-testid="runner-state"]').textContent()).toContain('workers running');
    await p.click('[data-testid="runner-stop"]');
    await expect.poll(() => p.locator('[data-testid="runner-state"]').textContent()).toContain('workers stopped');
    const job = await scheduler.now('report');
    await p.click('[data-testid="runner-start"]');
    await waitUntil(async () => (await statusOf(scheduler, job.id)) === 'completed');
    await p.close();
  });

  // Pending until the SQLite store keeps the process registry (Store.putProcess / listProcesses): until then
  // processes() on SQLite knows only its own process, and the test above covers the view on the model store.
  it.skipIf(!SQLITE_REGISTRY)('processes: two real processes on one SQLite file, each seen by the other', async () => {
    const path = join(dir, 'shared.db');
    const { scheduler, server } = await start({ store: new SqliteStore({ path }) });
    scheduler.define('report', async () => undefined);
    await scheduler.start();
    const script = fileURLToPath(new URL('./child-scheduler.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, `sqlite:${path}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const childId = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          const m = /ready (\S+)/.exec(d.toString());
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
      });
      const p = await page(server.url + '#/processes');
      await expect.poll(() => p.locator('[data-testid="process-row"]').count(), { timeout: 10_000 }).toBe(2);
      const theirs = p.locator(`[data-testid="process-row"][data-id="${childId}"]`);
      expect(await theirs.textContent()).toContain(`pid ${child.pid}`);
      expect(await theirs.textContent()).toContain('from-child');
      expect(await theirs.getAttribute('data-state')).toBe('running');
      child.kill('SIGTERM');
      await expect.poll(() => theirs.getAttribute('data-state'), { timeout: 10_000 }).toBe('stopped');
      await p.close();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('fits the window without sideways scrolling, every view, from 360 to 2560 px (long names, data and errors too); every control has a label', async () => {
    const { scheduler, server } = await start();
    const long = 'a-very-long-job-name-without-any-space-'.repeat(3);
    scheduler.define(long, async () => {
      throw new Error('x'.repeat(300) + ' ' + 'error-text-without-breaks-'.repeat(10));
    });
    scheduler.define('report', async () => ({ blob: 'r'.repeat(500) }));
    await scheduler.start();
    const failedJob = await scheduler.now(long, { url: 'https://example.com/' + 'path/'.repeat(60) });
    await scheduler.now('report');
    await scheduler.every('*/5 * * * *', 'report', null, { key: 'report every five minutes, in Kolkata time', timezone: 'Asia/Kolkata' });
    await waitUntil(async () => (await statusOf(scheduler, failedJob.id)) === 'failed');
    const views: [string, string][] = [
      ['#/', 'name-row'],
      ['#/jobs', 'job-row'],
      ['#/schedules', 'schedule-row'],
      ['#/processes', 'process-row'],
      [`#/jobs/${failedJob.id}`, 'history-row'],
    ];
    const p = await page(server.url);
    for (const width of [360, 420, 800, 1400, 2560]) {
      await p.setViewportSize({ width, height: 900 });
      for (const [view, rowId] of views) {
        await p.evaluate((hash) => (location.hash = hash), view);
        await p.waitForSelector(`[data-testid="${rowId}"]`);
        const { scroll, client } = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
        expect(scroll, `${view} at ${width} px`).toBeLessThanOrEqual(client);
        // Every form control and button says what it is to a screen reader.
        const unlabelled = await p.evaluate(() =>
          [...document.querySelectorAll('input, select, textarea, button')]
            .filter((c) => !c.closest('[hidden]'))
            .filter((c) => !(c.getAttribute('aria-label') || (c as HTMLInputElement).labels?.length || (c.tagName === 'BUTTON' && c.textContent!.trim())))
            .map((c) => c.outerHTML.slice(0, 80)),
        );
        expect(unlabelled, `${view} at ${width} px`).toEqual([]);
      }
    }
    // Dark mode follows the system.
    const light = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await p.emulateMedia({ colorScheme: 'dark' });
    expect(await p.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(light);
    await p.close();
  });

  it('with a token, asks for it, hides the question at once when given, then works; under a basePath, everything resolves', async () => {
    const { scheduler, server } = await start({ http: { token: 's3cret', basePath: '/ops/jobs' } });
    scheduler.define('report', async () => undefined);
    await scheduler.schedule('in 1 hour', 'report');
    expect(server.url).toMatch(/\/ops\/jobs\/$/);
    const p = await page(server.url + '#/jobs');
    await expect.poll(() => p.locator('#token-box').isVisible()).toBe(true);
    expect(await rows(p).count()).toBe(0);
    await p.fill('[data-testid="token"]', 's3cret');
    await p.click('[data-testid="token-save"]');
    expect(await p.locator('#token-box').isVisible()).toBe(false);
    await expect.poll(() => rows(p).count()).toBe(1);
    expect(await p.locator('[data-testid="health"]').textContent()).toContain('live');
    await p.close();
  });

  it('creates a job from the form and opens it; an API error is shown as it came, and creates nothing', async () => {
    const { scheduler, server } = await start();
    scheduler.define('cleanupOldRecords', async (job) => ({ deleted: (job.data as { days: number }).days }));
    await scheduler.start();
    const p = await page(server.url + '#/jobs');
    await p.click('[data-testid="new-job"] summary');
    await p.fill('#c-name', 'report');
    await p.fill('#c-schedule', 'every blue moon');
    await p.click('[data-testid="create-submit"]');
    await expect.poll(() => p.locator('[data-testid="message"].error').textContent()).toMatch(/schedule|blue moon/i);
    expect(await scheduler.listJobs({})).toHaveLength(0);

    await p.fill('#c-name', 'One-off cleanup');
    await p.fill('#c-schedule', '');
    await p.fill('#c-handler', 'cleanupOldRecords');
    await p.fill('#c-data', '{"days": 30}');
    await p.click('[data-testid="create-submit"]');
    await expect.poll(() => p.locator('#detail-result').textContent(), { timeout: 10_000 }).toContain('"deleted": 30');
    expect(await p.locator('[data-testid="history-row"] .badge').textContent()).toBe('completed');
    await p.close();
  });

  it('writes job names, data and errors as text, never as HTML', async () => {
    const { scheduler, server } = await start();
    scheduler.define('<img src=x onerror=window.pwned=1>', async () => {
      throw new Error('<script>window.pwned=2</script>');
    });
    await scheduler.start();
    const job = await scheduler.now('<img src=x onerror=window.pwned=1>', { html: '<b>bold</b>' });
    await waitUntil(async () => (await statusOf(scheduler, job.id)) === 'failed');
    const p = await page(server.url + '#/jobs');
    await expect.poll(() => rows(p).count()).toBe(1);
    expect(await p.locator('[data-testid="jobs"]').textContent()).toContain('<script>window.pwned=2</script>');
    await p.locator('[data-testid="job-link"]').click();
    await expect.poll(() => p.locator('#detail-data').textContent()).toContain('<b>bold</b>');
    for (const view of ['#/', '#/processes']) {
      await p.goto(fast(server.url + view));
      await p.waitForSelector('body[data-loaded="true"]');
    }
    expect(await p.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await p.locator('#view img, #view b, #view script').count()).toBe(0);
    await p.close();
  });
});
