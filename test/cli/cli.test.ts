/** The hourglass command, run for real from dist/ (built by npm test) against a SQLite file. */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { freePort } from '../support/ports.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'hourglass-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const { HOURGLASS_STORE: _ignored, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: dir, env: { ...inherited, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, ms: Date.now() - started };
  }
}

describe('hourglass CLI', () => {
  const url = `sqlite:${join(dir, 'cli.db')}`;

  it('migrates, then reports nothing pending', async () => {
    const before = await cli(['migrate', '--status'], { HOURGLASS_STORE: url });
    expect(before.stdout).toMatch(/pending\s+001_init/);
    const applied = await cli(['migrate', '--store', url]);
    expect(applied.stdout).toMatch(/applied\s+001_init/);
    expect(applied.stdout).toMatch(/up to date/);
  });

  it('lists, shows, triggers and cancels jobs', async () => {
    const s = new Scheduler({ store: new SqliteStore({ path: join(dir, 'cli.db') }), logger: silentLogger });
    const job = await s.schedule('in 1 hour', 'report', { a: 1 });
    await s.stop();
    const list = await cli(['jobs', 'list', '--store', url]);
    expect(list.stdout).toMatch(new RegExp(`^${job.id}\\s+report\\s+pending`, 'm'));
    const json = JSON.parse((await cli(['jobs', 'list', '--store', url, '--json'])).stdout);
    expect(json[0]).toMatchObject({ id: job.id, name: 'report', data: { a: 1 } });
    expect((await cli(['jobs', 'show', job.id, '--store', url])).stdout).toMatch(/"name": "report"/);
    expect((await cli(['jobs', 'trigger', job.id, '--store', url])).stdout).toMatch(/is pending/);
    expect((await cli(['jobs', 'cancel', job.id, '--store', url])).stdout).toMatch(/is cancelled/);
    const missing = await cli(['jobs', 'show', '404404', '--store', url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/JOB_NOT_FOUND/);
  });

  it('explains bad input instead of crashing', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const badStore = await cli(['jobs', 'list', '--store', 'mysql://x']);
    expect(badStore.code).toBe(1);
    expect(badStore.stderr).toMatch(/store: unknown store URL scheme.*mysql:\/\/x/);
    const badFlag = await cli(['jobs', 'list', '--nope']);
    expect(badFlag.code).toBe(2);
    const noJobs = await cli(['worker', '--store', url]);
    expect(noJobs.stderr).toMatch(/--jobs/);
  });

  it('runs the demo and stops gracefully on Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--store', `sqlite:${join(dir, 'demo.db')}`], { cwd: dir });
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<string>((r) => child.on('exit', (code, signal) => r(`code ${code}, signal ${signal}`)));
    const deadline = Date.now() + 15_000;
    // Both lines, in either order: the first jobs may finish before the dashboard is up and the demo says so.
    while (!(/✓ process upload/.test(output) && /demo running/.test(output)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(output).toMatch(/demo running/);
    expect(output).toMatch(/✓ process upload/);
    child.kill('SIGINT');
    // The output says why, should it ever end otherwise.
    expect(await exited, output).toBe('code 0, signal null');
    expect(output).toMatch(/stopped/);
  });
});

// Each test starts node several times: generous time limits, since a loaded CI machine starts node slowly.
describe('hourglass CLI: the first hour (issue 12)', { timeout: 120_000 }, () => {
  const url = `sqlite:${join(dir, 'first-hour.db')}`;

  it('prints its version, and each command its own help, naming $HOURGLASS_STORE', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
    const helps = [['jobs', '--help'], ['help', 'jobs'], ['jobs', 'list', '-h']];
    const [version, short, help, pause, noVerb, badVerb, wrongFlag, ...jobs] = await Promise.all(
      [['--version'], ['-v'], ['--help'], ['pause', '--help'], ['jobs'], ['jobs', 'frob'], ['pause', 'x', '--port', '3'], ...helps].map((args) => cli(args)),
    );
    for (const v of [version!, short!]) {
      expect(v.code).toBe(0);
      expect(v.stdout.trim()).toBe(`${pkg.name} ${pkg.version}`);
    }
    expect(help!.stdout).toMatch(/HOURGLASS_STORE/);
    jobs.forEach((result, i) => {
      const args = helps[i]!.join(' ');
      expect(result.code, args).toBe(0);
      expect(result.stdout, args).toMatch(/^usage: hourglass jobs <verb>/);
      for (const verb of ['list', 'show', 'add', 'cancel', 'trigger', 'remove', 'requeue-failed']) expect(result.stdout).toContain(verb);
      expect(result.stdout, args).toMatch(/\$HOURGLASS_STORE/);
    });
    expect(pause!.stdout).toMatch(/^usage: hourglass pause NAME/);
    expect(noVerb!.code).toBe(2);
    expect(noVerb!.stderr).toMatch(/usage: hourglass jobs <verb>/);
    expect(badVerb!.code).toBe(2);
    expect(badVerb!.stderr).toMatch(/unknown verb "frob"/);
    // A flag of another command is refused with this command's help.
    expect(wrongFlag!.code).toBe(2);
    expect(wrongFlag!.stderr).toMatch(/usage: hourglass pause NAME/);
  });

  it('adds, pauses, resumes, requeues and removes jobs; $HOURGLASS_STORE is the default --store', async () => {
    const env = { HOURGLASS_STORE: url };
    const added = await cli(['jobs', 'add', 'send email', '--data', '{"to":"a@example.com"}', '--in', '1h', '--priority', 'high', '--attempts', '3', '--json'], env);
    expect(added.code, added.stderr).toBe(0);
    const job = JSON.parse(added.stdout);
    expect(job).toMatchObject({ name: 'send email', data: { to: 'a@example.com' }, status: 'pending', priority: 10, maxAttempts: 3 });
    expect(new Date(job.nextRunAt).getTime() - Date.now()).toBeGreaterThan(50 * 60_000);

    const cron = await cli(['jobs', 'add', 'daily report', '--every', '0 9 * * *', '--timezone', 'Asia/Kolkata'], env);
    expect(cron.stdout).toMatch(/added job \d+ \(daily report\): pending, next run .*cron 0 9 \* \* \* Asia\/Kolkata/);
    const again = await cli(['jobs', 'add', 'daily report', '--every', '0 9 * * *', '--timezone', 'Asia/Kolkata', '--json'], env);
    expect(JSON.parse(again.stdout).id).toBe(/added job (\d+)/.exec(cron.stdout)![1]); // every() keeps one job per name

    const [badData, twoWhens, paused] = await Promise.all([
      cli(['jobs', 'add', 'x', '--data', '{nope'], env),
      cli(['jobs', 'add', 'x', '--at', 'tomorrow at 9am', '--in', '5m'], env),
      cli(['pause', 'send email'], env),
    ]);
    expect(badData.code).toBe(1);
    expect(badData.stderr).toMatch(/--data: must be JSON.*\[INVALID_DATA\]/);
    expect(twoWhens.code).toBe(2);
    expect(paused.stdout).toMatch(/paused send email; paused now: send email/);
    expect(JSON.parse((await cli(['resume', 'send email', '--json'], env)).stdout)).toEqual({ resumed: 'send email', pausedNames: [] });

    // A failed job, sent back by requeue-failed.
    const s = new Scheduler({ store: new SqliteStore({ path: join(dir, 'first-hour.db') }), logger: silentLogger, pollInterval: 20 });
    s.define('flaky', async () => {
      throw new Error('down');
    }, { attempts: 2, backoff: { type: 'fixed', delay: 1 } });
    s.define('stubborn', async () => {
      throw new Error('still down');
    }, { attempts: 53, backoff: { type: 'fixed', delay: 0 } });
    const failing = await s.now('flaky', {});
    const stubborn = await s.now('stubborn', {});
    await s.start();
    await s.waitFor(failing.id, { timeout: '20s' });
    await s.waitFor(stubborn.id, { timeout: '20s' });
    await s.stop();
    // jobs show prints the newest 50 of 53 runs and says so; --json gives all 53.
    const shown = (await cli(['jobs', 'show', stubborn.id], env)).stdout;
    expect(shown).toMatch(/history \(the newest 50; --limit N for more, --json for all\):/);
    expect(shown.split('\n').filter((l) => /^ {2}#\d+ /.test(l)).map((l) => Number(/#(\d+)/.exec(l)![1]))).toEqual(Array.from({ length: 50 }, (_, i) => i + 4));
    expect(JSON.parse((await cli(['jobs', 'show', stubborn.id, '--json'], env)).stdout).history).toHaveLength(53);
    expect((await cli(['jobs', 'list', '--status', 'failed'], env)).stdout).toMatch(/flaky\s+failed/);
    expect((await cli(['jobs', 'requeue-failed', 'flaky'], env)).stdout).toMatch(/requeued 1 failed job\(s\) of flaky/);
    expect((await cli(['jobs', 'show', failing.id, '--json'], env)).stdout).toMatch(/"status": "pending"/);
    // --limit N: the newest N entries of its history.
    const whole = JSON.parse((await cli(['jobs', 'show', failing.id, '--json'], env)).stdout).history;
    expect(whole.length).toBeGreaterThan(1);
    expect(JSON.parse((await cli(['jobs', 'show', failing.id, '--json', '--limit', '1'], env)).stdout).history).toEqual(whole.slice(-1));
    expect((await cli(['jobs', 'show', failing.id, '--limit', '1'], env)).stdout).toMatch(/history \(the newest 1\):/);
    expect((await cli(['jobs', 'show', failing.id, '--limit', '0'], env)).stderr).toMatch(/--limit: must be at least 1/);

    expect((await cli(['jobs', 'remove', job.id], env)).stdout).toBe(`removed job ${job.id}\n`);
    const gone = await cli(['jobs', 'remove', job.id], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/JOB_NOT_FOUND/);
  });

  it('waits for a job another process runs: exit 0 completed, 1 failed, 124 timed out', async () => {
    const path = join(dir, 'wait.db');
    const url = `sqlite:${path}`;
    const s = new Scheduler({ store: new SqliteStore({ path }), logger: silentLogger, pollInterval: 20 });
    s.define('render', async (job) => ({ pages: (job.data as { pages: number }).pages }));
    s.define('broken', async () => {
      throw new Error('no printer');
    }, { attempts: 1 });
    // Due in 2 s: the command is (most likely) already waiting when this process runs it.
    const render = await s.schedule({ name: 'render', data: { pages: 2 }, delay: 2000 });
    const broken = await s.now('broken');
    const later = await s.schedule('in 1 hour', 'render', { pages: 1 });
    const waiting = cli(['jobs', 'wait', render.id, '--store', url, '--json']);
    await s.start();
    const done = await waiting;
    await s.stop();
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ id: render.id, status: 'completed', result: { pages: 2 } });
    const failed = await cli(['jobs', 'wait', broken.id, '--store', url]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe(`job ${broken.id} (broken) failed: no printer\n`);
    const timedOut = await cli(['jobs', 'wait', later.id, '--store', url, '--timeout', '200ms']);
    expect(timedOut.code).toBe(124);
    expect(timedOut.stderr).toMatch(/had not finished after 200 ms \(it is pending\) \[WAIT_TIMEOUT\]/);
    const bad = await cli(['jobs', 'wait', later.id, '--store', url, '--timeout', 'soon']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--timeout.*\[INVALID_DURATION\]/);
    expect((await cli(['jobs', 'wait', '404404', '--store', url])).stderr).toMatch(/JOB_NOT_FOUND/);
  });

  it('waits for the next run of a repeating job: exit 0 when that run succeeded, 1 when it failed', async () => {
    const path = join(dir, 'wait-repeat.db');
    const url = `sqlite:${path}`;
    const s = new Scheduler({ store: new SqliteStore({ path }), logger: silentLogger, pollInterval: 20 });
    s.define('tick', async () => ({ ok: true }));
    s.define('tock', async () => {
      throw new Error('out of ink');
    }, { attempts: 1 });
    // First runs in 2 s, then hourly: the commands are (most likely) already waiting when this process runs them.
    const startAt = Date.now() + 2000;
    const tick = await s.every('1 hour', 'tick', null, { startAt });
    const tock = await s.every('1 hour', 'tock', null, { startAt });
    const waits = [cli(['jobs', 'wait', tick.id, '--store', url, '--json']), cli(['jobs', 'wait', tock.id, '--store', url])];
    await s.start();
    const [ok, failed] = await Promise.all(waits);
    await s.stop();
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ id: tick.id, status: 'pending', lastError: null, repeat: { every: 3_600_000 } });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(new RegExp(`^job ${tock.id} \\(tock\\) ran: failed: out of ink; next run \\d{4}-`));
  });

  it('names the file and line of a syntax error in a --jobs module', async () => {
    const jobs = join(dir, 'broken-jobs');
    mkdirSync(join(jobs, 'lib'), { recursive: true });
    const helpers = join(jobs, 'lib', 'helpers.mjs');
    writeFileSync(join(jobs, 'mail.mjs'), "import './lib/helpers.mjs';\nexport default (s) => s.define('mail', async () => 1);\n");
    writeFileSync(helpers, 'export const retry = 3;\nexport const wait = (ms) => new Promise((r) => setTimeout(r, ms);\n');
    const result = await cli(['worker', '--jobs', jobs, '--store', `sqlite:${join(dir, 'broken.db')}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`--jobs: cannot load ${join(jobs, 'mail.mjs')}: SyntaxError`);
    expect(result.stderr).toContain(`at ${helpers}:2 (\`export const wait`);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace

    writeFileSync(helpers, 'export const retry = 3;\n');
    writeFileSync(join(jobs, 'mail.mjs'), "export default (s) => {\n  s.define('mail', async () => 1);\n  s.defnie('other', async () => 2);\n};\n");
    const thrown = await cli(['worker', '--jobs', jobs, '--store', `sqlite:${join(dir, 'broken.db')}`]);
    expect(thrown.code).toBe(1);
    expect(thrown.stderr).toContain(`--jobs: ${join(jobs, 'mail.mjs')}:3`);
    expect(thrown.stderr).toMatch(/TypeError: s\.defnie is not a function/);
  });

  it('list and show only read: they never migrate, nor create a SQLite file', async () => {
    const missing = await cli(['jobs', 'list', '--store', `sqlite:${join(dir, 'typo.db')}`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such SQLite file/);
    expect(() => readFileSync(join(dir, 'typo.db'))).toThrow();

    const blank = join(dir, 'blank.db');
    writeFileSync(blank, '');
    const empty = await cli(['jobs', 'list', '--store', `sqlite:${blank}`]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/no hourglass schema yet/);
    expect((await cli(['jobs', 'show', '1', '--store', `sqlite:${blank}`])).stderr).toMatch(/JOB_NOT_FOUND/);
    expect((await cli(['migrate', '--status', '--store', `sqlite:${blank}`])).stdout).toMatch(/pending\s+001_init/); // still unmigrated
  });

  it('a store that cannot be reached: one clear line and exit 1 within seconds, nothing left open', async () => {
    const port = await freePort();
    const redis = `redis://127.0.0.1:${port}`;
    const postgres = `postgres://postgres@127.0.0.1:${port}/test`;
    const runs = [
      ['jobs', 'list', '--store', redis], // read-only: never a migrate error
      ['jobs', 'add', 'x', '--store', redis],
      ['worker', '--jobs', join(dir, 'broken-jobs'), '--store', redis],
      ['jobs', 'show', '1', '--store', postgres],
      ['migrate', '--store', postgres],
    ];
    await Promise.all(
      runs.map(async (args) => {
        const result = await cli(args);
        const what = args.join(' ');
        expect(result.code, what).toBe(1);
        expect(result.stderr, what).toMatch(new RegExp(`^hourglass: cannot reach (redis|postgres) at 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED.*\\[STORE_ERROR\\]\\n$`));
        // One line and nothing else: had a connection stayed open, the CLI would have added that it forced the
        // exit (3 s after the command ended). Seconds, not minutes, even on a loaded machine.
        expect(result.ms, what).toBeLessThan(20_000);
      }),
    );
  });
});
