/** Shared by the decorator tests: a scheduler on a fresh SQLite database, child processes, waiting. */
import { spawn, type ChildProcess } from 'node:child_process';
import { Scheduler, silentLogger, type SchedulerOptions } from '../../src/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { availability, type StoreFactory } from '../conformance/factory.js';
import { sleep, waitUntil } from '../conformance/helpers.js';

export { waitUntil, sleep } from '../conformance/helpers.js';

export function memoryScheduler(options: SchedulerOptions = {}): Scheduler {
  return new Scheduler({ store: new SqliteStore({ path: ':memory:' }), pollInterval: '50ms', logger: silentLogger, ...options });
}

export interface Child {
  process: ChildProcess;
  waitFor(line: string): Promise<void>;
  exited: Promise<number | null>;
}

/** Run a TypeScript file in a real Node process (through tsx) and read its stdout lines. */
export function spawnChild(script: string, args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    lines.push(...stdout.split('\n').slice(0, -1));
    stdout = stdout.slice(stdout.lastIndexOf('\n') + 1);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    exited,
    async waitFor(line) {
      await waitUntil(() => lines.includes(line) || child.exitCode !== null, 20_000, `child line ${line}`);
      if (!lines.includes(line)) throw new Error(`child exited (${child.exitCode}) before printing ${line}: ${stderr.slice(-2000)}`);
    },
  };
}

/**
 * availability() (skip locally, fail in CI), after giving a server up to 15 s to answer: the store fault
 * suites restart the shared servers while other files are being collected.
 */
export async function availableSoon(factory: StoreFactory): Promise<{ skip: boolean }> {
  for (let waited = 0; waited < 15_000 && (await factory.unavailable()) !== null; waited += 500) await sleep(500);
  return availability(factory);
}
