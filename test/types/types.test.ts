/** The type tests (job-map.ts) compile: every mistake marked there is caught, and nothing else fails. */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('catches the mistakes a job map and a typed context exist for', async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = fileURLToPath(new URL('./tsconfig.json', import.meta.url));
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', project]).catch((error: { stdout: string }) => error);
  expect(result.stdout).toBe('');
}, 60_000);
