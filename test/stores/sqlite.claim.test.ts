/**
 * SQLite claim order with per-name caps (Store.claim): walk the due, unpaused, allowed jobs by priority, due time
 * and insertion order, taking each whose name still has allowance, until `limit`. Checked on chosen cases and
 * against that walk, written out here, on seeded random states.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimRequest, JobRecord, NameLimit } from '../../src/core/store.js';
import type { SqliteStore } from '../../src/stores/sqlite/index.js';
import { claimRequest, fileStore, newJob, T0 } from './sqlite.helpers.js';

let store: SqliteStore;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ store, dispose } = await fileStore());
});
afterEach(async () => {
  await dispose();
});

/** The rule, applied to every job the store holds. */
async function expected(request: ClaimRequest): Promise<string[]> {
  const jobs = await store.listJobs({ limit: 10_000, offset: 0 });
  const paused = new Set(await store.pausedNames());
  const running = new Map<string, number>();
  for (const j of jobs) if (j.status === 'running') running.set(j.name, (running.get(j.name) ?? 0) + 1);
  const caps = new Map<string, NameLimit>();
  for (const l of request.limits) caps.set(l.name, l); // a name listed twice: its last entry, as core's NameAllowance
  const allowance = new Map<string, number>();
  for (const [name, cap] of caps) {
    allowance.set(name, Math.min(cap.localFree ?? Infinity, cap.global !== undefined ? cap.global - (running.get(name) ?? 0) : Infinity));
  }
  const due = jobs
    .filter((j) => j.status === 'pending' && j.nextRunAt <= request.now && !paused.has(j.name))
    .filter((j) => request.names === null || request.names.includes(j.name))
    .sort((a, b) => b.priority - a.priority || a.nextRunAt - b.nextRunAt || Number(a.id) - Number(b.id));
  const taken: string[] = [];
  for (const j of due) {
    if (taken.length >= request.limit) break;
    const left = allowance.get(j.name) ?? Infinity;
    if (left <= 0) continue;
    allowance.set(j.name, left - 1);
    taken.push(j.id);
  }
  return taken;
}

describe('sqlite: claim order with per-name caps', () => {
  it('takes a high-priority uncapped job before a low-priority capped one when the limit is short', async () => {
    const [capped, free] = await store.insert([newJob({ name: 'capped', priority: 0 }), newJob({ name: 'free', priority: 10 })], T0);
    const claimed = await store.claim(claimRequest({ limit: 1, limits: [{ name: 'capped', localFree: 5 }] }));
    expect(claimed.map((j) => j.id)).toEqual([free!.job.id]);
    const next = await store.claim(claimRequest({ limit: 5, limits: [{ name: 'capped', global: 1 }] }));
    expect(next.map((j) => j.id)).toEqual([capped!.job.id]);
  });

  it('interleaves capped and uncapped names in claim order and counts running jobs against a global cap', async () => {
    await store.insert(
      [
        newJob({ name: 'a', priority: 5 }),
        newJob({ name: 'b', priority: 4 }),
        newJob({ name: 'a', priority: 3 }),
        newJob({ name: 'b', priority: 2 }),
        newJob({ name: 'a', priority: 1 }),
      ],
      T0,
    );
    const cap = [{ name: 'a', global: 2 }];
    const first = await store.claim(claimRequest({ limit: 2, limits: cap }));
    expect(first.map((j) => [j.name, j.priority])).toEqual([
      ['a', 5],
      ['b', 4],
    ]);
    // One 'a' runs: one more fits under its global cap, then 'b'; the last 'a' waits for a slot.
    const second = await store.claim(claimRequest({ limit: 3, limits: cap }));
    expect(second.map((j) => [j.name, j.priority])).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
    expect(await store.claim(claimRequest({ limit: 3, limits: cap }))).toEqual([]);
  });

  it('matches the ordered walk on random states (names, caps, running jobs, pauses, limits)', async () => {
    let seed = 42;
    // mulberry32: a small seeded generator whose low bits are as random as its high ones.
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) % n);
    };
    const names = ['a', 'b', 'c', 'd'];
    for (let round = 0; round < 40; round++) {
      await store.insert(
        Array.from({ length: 1 + random(12) }, () =>
          newJob({ name: names[random(4)]!, priority: random(3), nextRunAt: T0 - random(4) + random(2) * 2 }),
        ),
        T0,
      );
      const name = names[random(4)]!;
      if (random(5) === 0) await store.setPaused(name, random(2) === 0);
      const limits: NameLimit[] = [];
      for (const n of names) {
        const kind = random(4);
        if (kind === 1) limits.push({ name: n, localFree: random(3) });
        if (kind === 2) limits.push({ name: n, global: random(4) });
        if (kind === 3) limits.push({ name: n, localFree: random(3), global: random(4) });
      }
      const request = claimRequest({ limit: random(6), limits, names: random(4) === 0 ? ['a', 'c'] : null });
      const want = await expected(request);
      const got = (await store.claim(request)).map((j: JobRecord) => j.id);
      expect({ round, got }).toEqual({ round, got: want });
    }
  });
});
