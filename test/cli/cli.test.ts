/** The hourglass command, run for real from dist/ (built by npm test) against a SQLite file. */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { silentLogger } from '../../src/core/logger.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'hourglass-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('hourglass CLI', () => {
  const url = `sqlite:${join(dir, 'cli.db')}`;

  it('migrates, then reports nothing pending', async () => {
    const before = await cli(['migrate', '--status', '--store', url]);
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
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 15_000;
    while (!/✓ process upload/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(output).toMatch(/demo running/);
    expect(output).toMatch(/✓ process upload/);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toMatch(/stopped/);
  });
});
