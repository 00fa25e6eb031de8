/**
 * hourglass-jobs/sqlite without better-sqlite3 installed: importing the entry point throws DriverMissingError
 * (DRIVER_MISSING, naming the package and how to install it), never Node's bare ERR_MODULE_NOT_FOUND.
 * The sources are copied to a folder whose node_modules has every dependency but the driver (node resolves
 * packages from a module's folder upwards), and run there by plain node with tsx, so no build is needed.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
const DEPENDENCIES = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);

/** A copy of src/ with `deps` linked in its node_modules: without the driver, and with it (the control). */
let without: string;
let withDriver: string;

function copy(deps: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'hourglass-sqlite-driver-'));
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  mkdirSync(join(dir, 'node_modules'));
  for (const dep of deps) symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));
  return dir;
}

beforeAll(() => {
  without = copy(DEPENDENCIES.filter((d) => d !== 'better-sqlite3'));
  withDriver = copy(DEPENDENCIES);
});
afterAll(() => {
  for (const dir of [without, withDriver]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run `script` (an ES module) in `dir` with plain node and tsx; its last line of output, parsed. */
function node(dir: string, script: string): unknown {
  const out = execFileSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

/** Import the copy's entry point: what it exports, or the error it throws. */
function importEntry(dir: string): unknown {
  const url = (path: string) => JSON.stringify(pathToFileURL(join(dir, 'src', path)).href);
  return node(
    dir,
    `const { DriverMissingError } = await import(${url('core/store-url.ts')});
     const outcome = await import(${url('stores/sqlite/index.ts')}).then(
       (m) => ({ loaded: typeof m.SqliteStore }),
       (e) => ({ typed: e instanceof DriverMissingError, code: e?.code, driver: e?.driver, message: e?.message }),
     );
     console.log(JSON.stringify(outcome));`,
  );
}

describe('sqlite: the driver is missing', () => {
  it('importing hourglass-jobs/sqlite throws DriverMissingError naming better-sqlite3', () => {
    expect(importEntry(without)).toEqual({
      typed: true,
      code: 'DRIVER_MISSING',
      driver: 'better-sqlite3',
      message: 'hourglass-jobs/sqlite needs the "better-sqlite3" package, which is not installed: npm install better-sqlite3',
    });
  });

  it('storeFromUrl("sqlite:…") throws the same error', () => {
    const storeUrl = pathToFileURL(join(without, 'src/core/store-url.ts')).href;
    expect(
      node(
        without,
        `
        const { storeFromUrl } = await import(${JSON.stringify(storeUrl)});
        const error = await storeFromUrl('sqlite::memory:').then(() => null, (e) => e);
        console.log(JSON.stringify({ code: error?.code, driver: error?.driver }));
      `,
      ),
    ).toEqual({ code: 'DRIVER_MISSING', driver: 'better-sqlite3' });
  });

  it('the control: the same copy with the driver linked loads', () => {
    expect(importEntry(withDriver)).toEqual({ loaded: 'function' });
  });
});
