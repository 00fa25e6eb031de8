/** `hourglass jobs list --group G` (issue 14), run for real from dist/ against a SQLite file. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'hourglass-cli-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { HOURGLASS_STORE: _ignored, ...env } = process.env;
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: dir, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('hourglass jobs list --group', { timeout: 60_000 }, () => {
  it('lists one group\'s jobs, and refuses an empty group naming the flag', async () => {
    const path = join(dir, 'groups.db');
    const s = new Scheduler({ store: new SqliteStore({ path }), logger: silentLogger });
    const acme = await s.schedule('in 1 hour', 'sync', { n: 1 }, { group: 'acme' });
    await s.schedule('in 1 hour', 'sync', { n: 2 }, { group: 'globex' });
    await s.stop();
    const json = JSON.parse((await cli(['jobs', 'list', '--store', `sqlite:${path}`, '--group', 'acme', '--json'])).stdout);
    expect(json.map((j: { id: string }) => j.id)).toEqual([acme.id]);
    const bad = await cli(['jobs', 'list', '--store', `sqlite:${path}`, '--group', '']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--group/);
  });
});
