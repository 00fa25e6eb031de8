/**
 * The screenshots in docs/images, taken from a running demo (not a test: run it by hand after a UI change).
 *   npm start                      # the demo, with traffic; let it run a few minutes so the charts fill
 *   node --import tsx test/dashboard/screenshots.ts http://127.0.0.1:3000/ docs/images
 * Uses Debian's chromium like the dashboard tests.
 */
import { chromium, type Page } from 'playwright-core';

const [url = 'http://127.0.0.1:3000/', out = 'docs/images'] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.HOURGLASS_CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-background-networking'] });

async function shot(name: string, hash: string, options: { width?: number; height?: number; dark?: boolean; ready: string; then?: (p: Page) => Promise<void> }) {
  const p = await browser.newPage({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 }, colorScheme: options.dark ? 'dark' : 'light', deviceScaleFactor: 1 });
  await p.goto(url + hash);
  await p.waitForSelector(options.ready);
  await options.then?.(p);
  await p.evaluate(() => document.fonts.ready);
  await p.screenshot({ path: `${out}/${name}.png` });
  process.stdout.write(`${out}/${name}.png\n`);
  await p.close();
}

// A failed job to show: the newest one that failed for good.
const failed = (await (await fetch(`${url}jobs?status=failed&limit=1`)).json()) as { data: { id: string }[] };
await shot('dashboard-overview', '#/', { ready: '[data-testid="name-row"]', height: 900 });
await shot('dashboard-jobs', '#/jobs?q=corrupt', { ready: '[data-testid="job-row"]', then: async (p) => {
  await p.locator('[data-testid="select"]').nth(0).check();
  await p.locator('[data-testid="select"]').nth(1).check();
} });
if (failed.data[0]) await shot('dashboard-job', `#/jobs/${failed.data[0].id}`, { ready: '[data-testid="stack"]', height: 900 });
await shot('dashboard-schedules', '#/schedules', { ready: '[data-testid="schedule-row"]' });
await shot('dashboard-processes', '#/processes', { ready: '[data-testid="process-row"]', height: 520 });
await shot('dashboard-dark', '#/', { ready: '[data-testid="name-row"]', dark: true, height: 900 });
await shot('dashboard-narrow', '#/jobs?status=failed', { ready: '[data-testid="job-row"]', width: 420, height: 860 });
await browser.close();
