/**
 * `hourglass-jobs/redis` without ioredis installed: importing it throws a DriverMissingError naming the package
 * (connection.ts loads ioredis through core's requireDriver), never Node's bare ERR_MODULE_NOT_FOUND; so does
 * storeFromUrl('redis://…'). The sources are copied to a directory whose node_modules has everything they load
 * but ioredis, and run there by node with tsx, so resolution really finds no ioredis.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

describe('hourglass-jobs/redis without ioredis installed', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hourglass-noioredis-'));
    cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    mkdirSync(join(dir, 'node_modules'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dep of [...Object.keys(pkg.dependencies), 'tsx']) symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const inDir = async (code: string) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: dir });
    return JSON.parse(stdout) as unknown;
  };
  const report = `console.log(JSON.stringify({ name: error?.constructor?.name, code: error?.code, driver: error?.driver, message: error?.message }));`;
  const expected = {
    name: 'DriverMissingError',
    code: 'DRIVER_MISSING',
    driver: 'ioredis',
    message: expect.stringMatching(/^hourglass-jobs\/redis needs the "ioredis" package, which is not installed: npm install ioredis/),
  };

  it('really has no ioredis to find', () => {
    for (let at = join(dir, 'src', 'core'); at !== dirname(at); at = dirname(at)) expect(existsSync(join(at, 'node_modules', 'ioredis')), at).toBe(false);
  });

  it('importing the entry point throws a DriverMissingError naming ioredis', { timeout: 60_000 }, async () => {
    expect(await inDir(`const error = await import('./src/stores/redis/index.ts').then(() => null, (e) => e); ${report}`)).toEqual(expected);
  });

  it('storeFromUrl("redis://…") throws the same', { timeout: 60_000 }, async () => {
    const code = `const { storeFromUrl } = await import('./src/core/store-url.ts');
      const error = await storeFromUrl('redis://127.0.0.1:6379').then(() => null, (e) => e); ${report}`;
    expect(await inDir(code)).toEqual(expected);
  });
});
