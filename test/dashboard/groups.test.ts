/**
 * The dashboard's groups and throttling in a real browser (Debian's chromium, playwright-core): the overview shows
 * each name's biggest groups (due and running, "and K more") and what throttles it, a group links to its jobs,
 * and the overview keeps to one line per name at 1280 px. Skips without /usr/bin/chromium (fails in CI), as
 * dashboard.test.ts does. Waits for DOM states, never for a fixed time.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { serve, type RunningServer } from '../../src/http/index.js';
import { MemoryStore } from '../../src/stores/memory/index.js';

const CHROMIUM = process.env.HOURGLASS_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`dashboard tests cannot run in CI: no browser at ${CHROMIUM} (scripts/browser.sh installs it)`);
  process.stderr.write(`[hourglass tests] skipping dashboard group tests: no browser at ${CHROMIUM}\n`);
}
/** Where the 1280 px screenshot goes, to look at after a UI change. */
const SHOT = process.env.HOURGLASS_GROUPS_SHOT ?? '/tmp/hourglass-groups-overview.png';

describe.skipIf(!available)('dashboard: groups and throttling (chromium)', () => {
  let browser: Browser;
  let scheduler: Scheduler;
  let server: RunningServer;
  let release!: () => void;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-background-networking'] });
    scheduler = new Scheduler({ store: new MemoryStore(), logger: silentLogger, pollInterval: 50, concurrency: 10 });
    const held = new Promise<void>((resolve) => (release = resolve));
    scheduler.define('sync tenant', async () => held, { groupConcurrency: 1 });
    // A global rate of one per hour: after one run its window is full, and the next job waits.
    scheduler.define('send email', async () => null, { rateLimit: { max: 1, per: '1h', scope: 'global' } });
    // Five tenants of one name: each runs one job (its cap), the rest wait; hooli has nothing left waiting.
    for (const [group, n] of [['acme-corporation-with-a-long-name', 12], ['globex', 5], ['initech', 3], ['umbrella', 2], ['hooli', 1]] as const) {
      for (let i = 0; i < n; i++) await scheduler.now('sync tenant', { i }, { group });
    }
    await scheduler.now('send email', { to: 'a@example.com' });
    await scheduler.now('send email', { to: 'b@example.com' });
    let running = 0;
    const all = new Promise<void>((resolve) => scheduler.on('job:start', (job: { name: string }) => job.name === 'sync tenant' && ++running === 5 && resolve()));
    const sent = new Promise<void>((resolve) => scheduler.on('job:success', () => resolve()));
    await scheduler.start();
    await Promise.all([all, sent]);
    server = await serve(scheduler, { port: 0 });
  });
  afterAll(async () => {
    release?.();
    await browser?.close();
    await server?.close();
    await scheduler?.stop({ graceful: false, timeoutMs: 1000 });
  });

  it('shows a name\'s biggest groups and what throttles it, on one line per name at 1280 px, and links a group to its jobs', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?refresh=300#/`);
    await page.waitForSelector('[data-testid="group-chip"]');
    const row = page.locator('[data-testid="groups-row"][data-name="sync tenant"]');
    expect(await row.locator('[data-testid="group-chip"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-group')))).toEqual([
      'acme-corporation-with-a-long-name', 'globex', 'initech',
    ]);
    expect(await row.locator('[data-testid="group-chip"]').first().innerText()).toMatch(/11 due · 1 running/);
    expect(await row.locator('[data-testid="groups-more"]').innerText()).toBe('and 2 more');
    // No groups row for a name without groups; the throttled name says why.
    expect(await page.locator('[data-testid="groups-row"][data-name="send email"]').count()).toBe(0);
    const badge = page.locator('[data-testid="name-row"][data-name="sync tenant"] [data-testid="throttled"]');
    expect(await badge.getAttribute('data-throttle')).toBe('groupConcurrency');
    expect(await badge.innerText()).toBe('group at cap');
    const rate = page.locator('[data-testid="name-row"][data-name="send email"] [data-testid="throttled"]');
    expect(await rate.getAttribute('data-throttle')).toBe('rate');
    expect(await rate.getAttribute('title')).toMatch(/1 per 1 h\) is used up; room again in (59 min|60 min|1 h)/);

    // Nothing wider than the window, and each name's row and its groups' row on one line each.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    const heights = await page.locator('[data-testid="name-row"], [data-testid="groups-row"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
    for (const h of heights) expect(h).toBeLessThan(60);
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: SHOT, fullPage: true });

    await row.locator('[data-testid="group-chip"]', { hasText: 'globex' }).click();
    await page.waitForSelector('[data-testid="group-filter"]');
    expect(page.url()).toContain('group=globex');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length === 5);
    const groups = await page.locator('[data-testid="job-row"] [data-testid="job-group"]').allInnerTexts();
    expect(groups).toEqual(Array(5).fill('globex'));
    expect(await page.locator('[data-testid="group-filter"]').innerText()).toBe('group: globex');
    // Clearing the group shows every job of the name again.
    await page.locator('[data-key="clear-group"]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="job-row"]').length === 23);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
