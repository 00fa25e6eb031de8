/** `hourglass serve`, run for real from dist/ (built by npm test) on a temporary SQLite file, port 0. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { HttpJob } from '../../src/http/index.js';
import { silentLogger } from '../../src/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { waitUntil } from '../conformance/helpers.js';
import { bodyOf, type RunnerState } from './helpers.js';

const BIN = join(process.cwd(), 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'hourglass-serve-'));
const jobsDir = join(dir, 'jobs');
mkdirSync(jobsDir);
writeFileSync(join(jobsDir, 'hello.mjs'), `export default function (scheduler) {\n  scheduler.define('hello', async (job) => ({ hello: job.data.who }));\n}\n`);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startServe(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd: dir, env: { ...process.env, ...env } });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitUntil(() => /at (http:\/\/\S+)/.test(output) || child.exitCode !== null, 15_000, 'the serve URL').catch((e) => {
    throw new Error(`${(e as Error).message}; output: ${output}`);
  });
  const url = /at (http:\/\/\S+)/.exec(output)?.[1];
  if (!url) throw new Error(`hourglass serve exited (${child.exitCode}) without serving: ${output}`);
  return { child, url, output: () => output, exited };
}

describe('hourglass serve', () => {
  it('serves the API and dashboard with a token from HOURGLASS_TOKEN, runs jobs from --jobs, and exits 0 on Ctrl-C', async () => {
    const served = await startServe(['--store', `sqlite:${join(dir, 'a.db')}`, '--jobs', jobsDir], { HOURGLASS_TOKEN: 'tok-9f3a' });
    const auth = { authorization: 'Bearer tok-9f3a' };
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await fetch(`${served.url}health`)).status).toBe(401);
    const health = await fetch(`${served.url}health`, { headers: auth });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ healthy: true, store: 'sqlite', workersRunning: true });
    const page = await fetch(served.url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');

    const created = await fetch(`${served.url}jobs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'hello', data: { who: 'cli' } }) });
    expect(created.status).toBe(201);
    const { id } = await bodyOf<HttpJob>(created);
    const read = async () => bodyOf<HttpJob>(await fetch(`${served.url}jobs/${id}`, { headers: auth }));
    await waitUntil(async () => (await read()).status === 'completed', 10_000, 'the job to run');
    expect((await read()).result).toEqual({ hello: 'cli' });
    expect(served.output()).not.toContain('tok-9f3a'); // the token is never logged

    served.child.kill('SIGINT');
    expect(await served.exited).toBe(0);
    expect(served.output()).toMatch(/SIGINT: closing the server/);
    expect(served.output()).toMatch(/stopped/);
  });

  it('--no-workers serves without running jobs; SIGTERM stops it too', async () => {
    const served = await startServe(['--store', `sqlite:${join(dir, 'b.db')}`, '--jobs', jobsDir, '--no-workers', '--token', 'flag-token']);
    const headers = { authorization: 'Bearer flag-token', 'content-type': 'application/json' };
    const runner = await bodyOf<RunnerState>(await fetch(`${served.url}jobs/runner`, { headers }));
    expect(runner.running).toBe(false);
    const { id } = await bodyOf<HttpJob>(await fetch(`${served.url}jobs`, { method: 'POST', headers, body: JSON.stringify({ name: 'hello', data: { who: 'x' } }) }));
    expect((await bodyOf<HttpJob>(await fetch(`${served.url}jobs/${id}`, { headers }))).status).toBe('pending');
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    // Read once the process is gone: a worker in it would have claimed the job as it was inserted (a local kick)
    // and a graceful stop waits for running jobs, so a job never started over the server's whole life is the
    // proof, not a pause that hopes to be long enough.
    const store = new SqliteStore({ path: join(dir, 'b.db') });
    try {
      await store.init({ logger: silentLogger });
      const job = await store.getJob(id);
      expect(job).toMatchObject({ status: 'pending', attempts: 0, lastRunAt: null });
      expect(await store.history(id)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('explains bad flags instead of serving', async () => {
    const run = promisify(execFile);
    const fail = async (args: string[]) => {
      try {
        await run(process.execPath, [BIN, 'serve', ...args], { cwd: dir });
        return { code: 0, stderr: '' };
      } catch (error) {
        return error as { code: number; stderr: string };
      }
    };
    const badPort = await fail(['--store', `sqlite:${join(dir, 'c.db')}`, '--port', 'eighty']);
    expect(badPort.code).toBe(1);
    expect(badPort.stderr).toMatch(/--port/);
    const badJobs = await fail(['--store', `sqlite:${join(dir, 'c.db')}`, '--port', '0', '--jobs', join(dir, 'missing')]);
    expect(badJobs.code).toBe(1);
    expect(badJobs.stderr).toMatch(/--jobs/);
    const help = await promisify(execFile)(process.execPath, [BIN, '--help']);
    expect(help.stdout).toMatch(/serve \[--port N\]/);
  });
});
