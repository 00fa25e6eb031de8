/** Where a SQLite run's database lives, and how it goes away. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSpec } from '../harness/types.js';

export const dbFile = (spec: RunSpec) => join(spec.dir, `${spec.namespace}.db`);

export function removeDb(spec: RunSpec): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(dbFile(spec) + suffix, { force: true });
}

/** 'full' or 'normal', from the entry's variant ('full', 'normal'). */
export const synchronous = (spec: RunSpec): 'full' | 'normal' => (spec.entry.variant === 'normal' ? 'normal' : 'full');
