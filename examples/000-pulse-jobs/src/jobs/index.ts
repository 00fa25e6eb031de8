/**
 * Every module in this folder defines its jobs: `export default function (scheduler) { scheduler.define(...) }`.
 * This loads them all, so adding a job is adding a file (the seed's "all jobs live in /src/jobs").
 */
import { readdirSync } from 'node:fs';
import type { Scheduler } from 'hourglass-jobs';

export async function loadJobs(scheduler: Scheduler): Promise<string[]> {
  const dir = new URL('./', import.meta.url);
  const files = readdirSync(dir).filter((f) => /\.[cm]?[jt]s$/.test(f) && !/^index\./.test(f) && !f.endsWith('.d.ts')).sort();
  for (const file of files) {
    const module = (await import(new URL(file, dir).href)) as { default: (s: Scheduler) => void };
    module.default(scheduler);
  }
  return files;
}
