/**
 * The package as users get it.
 *  - In this repo: plain node (no loader) imports the built entry points by the package's own name, and each
 *    loads only its own driver. Runs against dist/, which `npm test` builds first.
 *  - Packed and installed: `npm pack`, then `npm ci` of the tarball into an empty folder, offline, from npm's
 *    cache: the folder gets a lockfile made from this repo's (the same versions, whose tarballs `npm ci` of this
 *    repo left in the cache), installed with --ignore-scripts so better-sqlite3 is not compiled again (its
 *    already built addon is copied in). Then every entry point with plain node, `npx hourglass --version`, the
 *    README's links inside the installed package, a TypeScript consumer, and a missing driver.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const ENTRY_POINTS = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));
const run = promisify(execFile);

function node(script: string, cwd = ROOT): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8' });
}

const LOADED_DRIVERS = `
  const { createRequire } = await import('node:module');
  const cache = Object.keys(createRequire(import.meta.url).cache ?? {});
  const drivers = ['better-sqlite3', 'pg', 'ioredis'].filter((d) => cache.some((p) => p.includes('/node_modules/' + d + '/')));
`;

describe('package (in this repo)', () => {
  it('is hourglass-jobs, with the entry points and bin the contract names', () => {
    expect(pkg.name).toBe('hourglass-jobs');
    expect(ENTRY_POINTS).toEqual(['hourglass-jobs', ...['sqlite', 'postgres', 'redis', 'memory', 'http', 'decorators'].map((e) => `hourglass-jobs/${e}`)]);
    expect((pkg as unknown as { bin: Record<string, string> }).bin).toEqual({ hourglass: './dist/cli/main.js' });
  });

  it('README: opens with npm install, npm start, npm test, then says how to add hourglass-jobs to an app', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const opening = /```sh\n([\s\S]*?)```/.exec(readme)![1]!.split('\n').filter(Boolean);
    expect(opening.map((line) => line.split('#')[0]!.trim())).toEqual(['npm install', 'npm start', 'npm test']);
    const add = /^## Add it to your app\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
    for (const text of ['npm install hourglass-jobs', 'npm install pg', '@types/pg', 'npm install ioredis', 'DRIVER_MISSING']) expect(add).toContain(text);
  });

  it("README, docs and examples import 'hourglass-jobs', never the unrelated 'hourglass'", () => {
    const files = ['README.md', ...readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' }).map((f) => join('docs', f)), ...readdirSync(join(ROOT, 'examples'), { recursive: true, encoding: 'utf8' }).map((f) => join('examples', f))]
      .filter((f) => /\.(md|ts)$/.test(f));
    const stale = files.flatMap((f) =>
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .map((line, i) => ({ where: `${f}:${i + 1}`, line }))
        .filter(({ line }) => /(from |import\(|require\()['"]hourglass(\/[a-z]+)?['"]|`hourglass\/(sqlite|postgres|redis|memory|http|decorators)`|npm (install|i) hourglass\b(?!-)/.test(line)),
    );
    expect(stale.map((s) => `${s.where}: ${s.line.trim()}`)).toEqual([]);
  });

  it('imports hourglass-jobs without loading any database driver', () => {
    const out = node(`
      const m = await import('hourglass-jobs');
      ${LOADED_DRIVERS}
      console.log(JSON.stringify({ Scheduler: typeof m.Scheduler, storeFromUrl: typeof m.storeFromUrl, ValidationError: typeof m.ValidationError, DriverMissingError: typeof m.DriverMissingError, drivers }));
    `);
    expect(JSON.parse(out)).toEqual({ Scheduler: 'function', storeFromUrl: 'function', ValidationError: 'function', DriverMissingError: 'function', drivers: [] });
  });

  it('hourglass-jobs/sqlite and storeFromUrl("sqlite:…") load better-sqlite3 only', () => {
    const out = node(`
      const { SqliteStore } = await import('hourglass-jobs/sqlite');
      const { storeFromUrl, Scheduler } = await import('hourglass-jobs');
      const store = await storeFromUrl('sqlite::memory:');
      const s = new Scheduler({ store });
      const job = await s.now('hello', { a: 1 });
      await s.stop();
      ${LOADED_DRIVERS}
      console.log(JSON.stringify({ SqliteStore: typeof SqliteStore, kind: store.kind, status: job.status, drivers }));
    `);
    expect(JSON.parse(out)).toEqual({ SqliteStore: 'function', kind: 'sqlite', status: 'pending', drivers: ['better-sqlite3'] });
  });

  it('ships type declarations for every entry point', () => {
    const out = node(`
      const { existsSync } = await import('node:fs');
      const pkg = JSON.parse((await import('node:fs')).readFileSync('package.json', 'utf8'));
      console.log(JSON.stringify(Object.entries(pkg.exports).filter(([k]) => k !== './package.json').map(([k, v]) => [k, existsSync(v.types) && existsSync(v.import)])));
    `);
    for (const [entry, exists] of JSON.parse(out) as [string, boolean][]) expect(exists, entry).toBe(true);
  });

  it('new Scheduler() with no store keeps its jobs in ./hourglass.db', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-default-'));
    try {
      const entry = pathToFileURL(join(ROOT, 'dist/index.js')).href;
      const out = node(
        `
        const { Scheduler } = await import(${JSON.stringify(entry)});
        const s = new Scheduler();
        const job = await s.schedule('in 1 hour', 'later', { kept: true });
        await s.stop();
        const again = new Scheduler();
        const found = await again.getJob(job.id);
        await again.stop();
        console.log(JSON.stringify(found.data));
      `,
        dir,
      );
      expect(JSON.parse(out)).toEqual({ kept: true });
      expect(existsSync(join(dir, 'hourglass.db'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- packed and installed --------------------------------------------------------------------------------

interface LockEntry {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * The entries of this repo's package-lock.json that `names` need (their dependencies, transitively), resolved
 * the way node resolves them (nested node_modules first, then up), under the same paths.
 */
function lockClosure(names: string[]): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const out: Record<string, LockEntry> = {};
  const visit = (from: string, name: string) => {
    for (let base = from; ; base = base.includes('/node_modules/') ? base.slice(0, base.lastIndexOf('/node_modules/')) : '') {
      const path = `${base ? `${base}/` : ''}node_modules/${name}`;
      const entry = lock.packages[path];
      if (entry) {
        if (out[path]) return;
        const { dev: _d, devOptional: _o, peer: _p, ...kept } = entry;
        out[path] = kept as LockEntry;
        for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(path, dep);
        return;
      }
      if (base === '') throw new Error(`package-lock.json has no ${name} for ${from || 'the root'}`);
    }
  };
  for (const name of names) visit('', name);
  return out;
}

describe('package (packed, installed in an empty folder)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hourglass-installed-'));
  const app = join(dir, 'app');
  const installed = join(app, 'node_modules', pkg.name);
  let packedFiles: string[] = [];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    // --ignore-scripts: no `prepare` (it would rebuild dist/ under the other test files running now).
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    packedFiles = packed!.files.map((f) => f.path);
    const tarball = `file:../${packed!.filename}`;

    mkdirSync(app);
    const drivers = { pg: pkg.devDependencies.pg!, ioredis: pkg.devDependencies.ioredis! };
    const dependencies = { [pkg.name]: tarball, ...drivers };
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-app', version: '1.0.0', private: true, type: 'module', dependencies }, null, 2));
    const { dependencies: ours, peerDependencies, peerDependenciesMeta, engines, bin, license } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const lock = {
      name: 'an-app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'an-app', version: '1.0.0', dependencies },
        [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: tarball, dependencies: ours, peerDependencies, peerDependenciesMeta, engines, bin, license },
        ...lockClosure([...Object.keys(ours), ...Object.keys(drivers)]),
      },
    };
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock, null, 2));
    // Offline, from the npm cache; --ignore-scripts: better-sqlite3 is not compiled again, its addon is copied.
    await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, timeout: 120_000 }).catch((error: { stderr?: string }) => {
      throw new Error(`npm ci of the packed tarball failed (is npm's cache filled? run npm ci in the repo first):\n${error.stderr}`);
    });
    const addon = join('build', 'Release', 'better_sqlite3.node');
    mkdirSync(dirname(join(app, 'node_modules', 'better-sqlite3', addon)), { recursive: true });
    cpSync(join(ROOT, 'node_modules', 'better-sqlite3', addon), join(app, 'node_modules', 'better-sqlite3', addon));
  }, 180_000);

  it('ships dist, the docs and the README, and no sources, tests or source maps', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'docs/http.md']));
    expect(packedFiles.filter((f) => /^(src|test|examples|bench|scripts)\//.test(f) || f.endsWith('.map'))).toEqual([]);
  });

  it('imports every entry point with plain node, and runs a job on the embedded store', () => {
    // One node process: every entry point, then a job on SQLite (the addon loads from the installed better-sqlite3).
    const out = node(
      `
      const exports = {};
      for (const entry of ${JSON.stringify(ENTRY_POINTS)}) exports[entry] = Object.keys(await import(entry)).sort();
      const { Scheduler } = await import('hourglass-jobs');
      const { SqliteStore } = await import('hourglass-jobs/sqlite');
      const s = new Scheduler({ store: new SqliteStore({ path: ':memory:' }), pollInterval: 20 });
      s.define('add', async (job) => job.data.a + job.data.b);
      await s.start();
      const job = await s.now('add', { a: 2, b: 3 });
      while ((await s.getJob(job.id)).status !== 'completed') await new Promise((r) => setTimeout(r, 10));
      const result = (await s.getJob(job.id)).result;
      await s.stop();
      console.log(JSON.stringify({ exports, result }));
    `,
      app,
    );
    const { exports, result } = JSON.parse(out) as { exports: Record<string, string[]>; result: unknown };
    expect(exports[pkg.name]).toEqual(expect.arrayContaining(['Scheduler', 'storeFromUrl', 'DriverMissingError', 'ValidationError', 'parseDuration']));
    expect(exports[`${pkg.name}/sqlite`]).toContain('SqliteStore');
    expect(exports[`${pkg.name}/postgres`]).toContain('PostgresStore');
    expect(exports[`${pkg.name}/redis`]).toContain('RedisStore');
    expect(exports[`${pkg.name}/memory`]).toContain('MemoryStore');
    expect(exports[`${pkg.name}/http`]).toEqual(expect.arrayContaining(['serve', 'createHttpHandler']));
    expect(exports[`${pkg.name}/decorators`]).toEqual(expect.arrayContaining(['cron', 'job', 'query', 'registerJobs']));
    expect(result).toBe(5);
  });

  it.runIf((process.features as { require_module?: boolean }).require_module)('require()s every entry point from CommonJS (node 20.19+)', () => {
    const required = execFileSync(process.execPath, ['--no-warnings', '-e', `console.log(${JSON.stringify(ENTRY_POINTS)}.map((e) => Object.keys(require(e)).length > 0).join())`], { cwd: app, encoding: 'utf8' });
    expect(required.trim()).toBe(ENTRY_POINTS.map(() => 'true').join());
  });

  it('npx hourglass --version', async () => {
    const { stdout } = await run('npx', ['--offline', 'hourglass', '--version'], { cwd: app });
    expect(stdout.trim()).toBe(`${pkg.name} ${pkg.version}`);
  });

  it('every link in the packed README resolves inside the installed package (files and #anchors)', () => {
    const readme = readFileSync(join(installed, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/i.test(l));
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) {
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = join(installed, path || 'README.md');
      expect(existsSync(target), `README link ${link}: ${posix.join('node_modules', pkg.name, path)} is not in the package`).toBe(true);
      if (anchor && !path.endsWith('/')) {
        expect(slugs(readFileSync(target, 'utf8')), `README link ${link}: no heading with that anchor`).toContain(anchor);
      }
    }
  });

  it('type-checks a TypeScript consumer of every entry point', async () => {
    writeFileSync(
      join(app, 'index.ts'),
      `${ENTRY_POINTS.map((e, i) => `import * as m${i} from '${e}';`).join('\n')}
import { Scheduler, storeFromUrl, type Job } from 'hourglass-jobs';
const s: Scheduler = new Scheduler({ store: await storeFromUrl('sqlite::memory:') });
const job: Job = await s.now('hello');
export const all = [${ENTRY_POINTS.map((_, i) => `m${i}`).join(', ')}, job];
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, typeRoots: [join(ROOT, 'node_modules/@types')], types: ['node'] },
        files: ['index.ts'],
      }),
    );
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app }).catch((error: { stdout?: string }) => {
      throw new Error(`a TypeScript consumer does not compile:\n${error.stdout}`);
    });
  });

  it('a missing driver: a DriverMissingError naming the package, from storeFromUrl and from the CLI', async () => {
    const cases = [
      ['pg', 'postgres://127.0.0.1:1/x', 'hourglass-jobs/postgres'],
      ['ioredis', 'redis://127.0.0.1:1', 'hourglass-jobs/redis'],
    ] as const;
    const hide = (driver: string, hidden: boolean) => {
      const [from, to] = [join(app, 'node_modules', driver), join(app, 'node_modules', `.hidden-${driver}`)];
      renameSync(hidden ? from : to, hidden ? to : from);
    };
    for (const [driver] of cases) hide(driver, true);
    try {
      await Promise.all(
        cases.map(async ([driver, url, entry]) => {
          const { stdout } = await run(
            process.execPath,
            [
              '--input-type=module',
              '-e',
              `const { storeFromUrl, DriverMissingError } = await import('hourglass-jobs');
               const error = await storeFromUrl(${JSON.stringify(url)}).then(() => null, (e) => e);
               console.log(JSON.stringify({ typed: error instanceof DriverMissingError, code: error?.code, driver: error?.driver, message: error?.message }));`,
            ],
            { cwd: app },
          );
          const message = `${entry} needs the "${driver}" package, which is not installed: npm install ${driver}`;
          expect(JSON.parse(stdout)).toEqual({ typed: true, code: 'DRIVER_MISSING', driver, message: expect.stringMatching(new RegExp(`^${message}`)) });
          // The bin npm linked (what npx runs).
          const cli = await run(join(app, 'node_modules', '.bin', 'hourglass'), ['jobs', 'list', '--store', url], { cwd: app }).then(
            () => ({ code: 0, stderr: '' }),
            (e: { code: number; stderr: string }) => e,
          );
          expect(cli.code).toBe(1);
          expect(cli.stderr).toMatch(new RegExp(`^hourglass: ${message}.*\\[DRIVER_MISSING\\]\\n$`));
        }),
      );
    } finally {
      for (const [driver] of cases) hide(driver, false);
    }
  });
});

// A static `import pg from 'pg'` would fail inside node's linker (ERR_MODULE_NOT_FOUND) before any of our code
// runs; each store loads its driver through requireDriver() (src/core/store-url.ts) instead.
describe('package (installed): importing a store entry point without its driver', () => {
  it('throws DriverMissingError naming the package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-nodriver-'));
    try {
      // The built package, linked without pg beside it: node resolves pg from dist/ upwards and finds none.
      mkdirSync(join(dir, 'node_modules'));
      cpSync(join(ROOT, 'package.json'), join(dir, 'node_modules', pkg.name, 'package.json'));
      cpSync(join(ROOT, 'dist'), join(dir, 'node_modules', pkg.name, 'dist'), { recursive: true });
      for (const dep of Object.keys(pkg.dependencies)) symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));
      const out = node(
        `const error = await import('hourglass-jobs/postgres').then(() => null, (e) => e);
         console.log(JSON.stringify({ code: error?.code, message: error?.message }));`,
        dir,
      );
      expect(JSON.parse(out)).toEqual({ code: 'DRIVER_MISSING', message: expect.stringMatching(/^hourglass-jobs\/postgres needs the "pg" package/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** GitHub's anchors for a markdown file's headings: lower case, punctuation dropped, spaces to dashes. */
function slugs(markdown: string): string[] {
  const seen = new Map<string, number>();
  return [...markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)].map((m) => {
    const base = m[1]!
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}-${n}`;
  });
}
