/** hourglass-jobs/decorators as users import it (plain node, built dist/): its exports, and no database driver loaded. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('hourglass-jobs/decorators package entry', () => {
  it('exports the decorators and registerJobs, and loads no driver', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import('hourglass-jobs/decorators');
         const { createRequire } = await import('node:module');
         const cache = Object.keys(createRequire(import.meta.url).cache ?? {});
         const drivers = ['better-sqlite3', 'pg', 'ioredis'].filter((d) => cache.some((p) => p.includes('/node_modules/' + d + '/')));
         console.log(JSON.stringify({ names: ['cron', 'job', 'query', 'hourly', 'daily', 'weekly', 'monthly', 'registerJobs'].filter((n) => typeof m[n] === 'function'), drivers }));`,
      ],
      { cwd: process.cwd(), encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({ names: ['cron', 'job', 'query', 'hourly', 'daily', 'weekly', 'monthly', 'registerJobs'], drivers: [] });
  });
});
