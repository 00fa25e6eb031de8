/**
 * The package as users get it: plain node (no loader) imports the built entry points by name, and each loads
 * only its own driver. Runs against dist/, which `npm test` builds first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

function node(script: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8' });
}

const LOADED_DRIVERS = `
  const { createRequire } = await import('node:module');
  const cache = Object.keys(createRequire(import.meta.url).cache ?? {});
  const drivers = ['better-sqlite3', 'pg', 'ioredis'].filter((d) => cache.some((p) => p.includes('/node_modules/' + d + '/')));
`;

describe('package', () => {
  it('imports hourglass without loading any database driver', () => {
    const out = node(`
      const m = await import('hourglass');
      ${LOADED_DRIVERS}
      console.log(JSON.stringify({ Scheduler: typeof m.Scheduler, storeFromUrl: typeof m.storeFromUrl, ValidationError: typeof m.ValidationError, drivers }));
    `);
    expect(JSON.parse(out)).toEqual({ Scheduler: 'function', storeFromUrl: 'function', ValidationError: 'function', drivers: [] });
  });

  it('hourglass/sqlite and storeFromUrl("sqlite:…") load better-sqlite3 only', () => {
    const out = node(`
      const { SqliteStore } = await import('hourglass/sqlite');
      const { storeFromUrl, Scheduler } = await import('hourglass');
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
      console.log(JSON.stringify(Object.entries(pkg.exports).filter(([k]) => k !== './package.json').map(([k, v]) => [k, existsSync(v.types)])));
    `);
    for (const [entry, exists] of JSON.parse(out) as [string, boolean][]) expect(exists, entry).toBe(true);
  });

  it('new Scheduler() with no store keeps its jobs in ./hourglass.db', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-default-'));
    try {
      const entry = pathToFileURL(join(process.cwd(), 'dist/index.js')).href;
      const script = `
        const { Scheduler } = await import(${JSON.stringify(entry)});
        const s = new Scheduler();
        const job = await s.schedule('in 1 hour', 'later', { kept: true });
        await s.stop();
        const again = new Scheduler();
        const found = await again.getJob(job.id);
        await again.stop();
        console.log(JSON.stringify(found.data));
      `;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual({ kept: true });
      expect(existsSync(join(dir, 'hourglass.db'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
