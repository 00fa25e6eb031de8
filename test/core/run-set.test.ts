/** The worker's runs by job id (run-set.ts): what a Map of them gave, without a Map. */
import { describe, expect, it } from 'vitest';
import type { JobRun } from '../../src/core/job-run.js';
import { RunSet } from '../../src/core/run-set.js';

const run = (id: string, tag = '') => ({ job: { id }, tag }) as unknown as JobRun;

describe('RunSet', () => {
  it('holds runs by id, a newer run of an id replacing the older', () => {
    const runs = new RunSet();
    const first = run('7', 'first');
    runs.set('7', first);
    runs.set('12', run('12'));
    expect(runs.size).toBe(2);
    expect(runs.get('7')).toBe(first);
    const again = run('7', 'again');
    runs.set('7', again);
    expect(runs.size).toBe(2);
    expect(runs.get('7')).toBe(again);
    expect(runs.get('8')).toBeUndefined();
  });

  it('deletes by id, and deleting an id it does not hold changes nothing', () => {
    const runs = new RunSet();
    runs.set('1', run('1'));
    runs.delete('2');
    expect(runs.size).toBe(1);
    runs.delete('1');
    runs.delete('1');
    expect(runs.size).toBe(0);
    expect(runs.get('1')).toBeUndefined();
    expect(runs.values()).toEqual([]);
  });

  it('gives a copy of its runs, which the caller may go through while the set changes', () => {
    const runs = new RunSet();
    for (const id of ['3', '1', '2']) runs.set(id, run(id));
    const seen: string[] = [];
    for (const r of runs.values()) {
      seen.push(r.job.id);
      runs.delete(r.job.id);
    }
    expect(seen.sort()).toEqual(['1', '2', '3']);
    expect(runs.size).toBe(0);
  });

  it('takes any id string as a key, those Object.prototype has included', () => {
    const runs = new RunSet();
    for (const id of ['__proto__', 'constructor', 'toString', 'job-a']) runs.set(id, run(id));
    expect(runs.size).toBe(4);
    expect(runs.get('__proto__')?.job.id).toBe('__proto__');
    expect(runs.get('hasOwnProperty')).toBeUndefined();
    runs.delete('__proto__');
    expect(runs.size).toBe(3);
  });

  it('keeps its count through many ids coming and going', () => {
    const runs = new RunSet();
    for (let i = 0; i < 5_000; i++) {
      runs.set(String(i), run(String(i)));
      if (i >= 300) runs.delete(String(i - 300));
    }
    expect(runs.size).toBe(300);
    expect(runs.values()).toHaveLength(300);
  });
});
