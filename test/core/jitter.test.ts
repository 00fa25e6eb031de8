/**
 * every(..., { jitter }): each due time runs up to `jitter` later, by an offset every process computes alike,
 * while the schedule itself never drifts. Pure parts directly; the whole path on the reference store with a
 * fake clock.
 */
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import { silentLogger } from '../../src/core/logger.js';
import { waitUntil } from '../conformance/helpers.js';
import { jitterOffset, normaliseRepeat } from '../../src/core/time/repeat.js';
import { MemoryStore } from '../../src/stores/memory/index.js';

const NOW = 1_700_000_000_000;

describe('jitterOffset', () => {
  const spec = { every: 60_000, jitter: 30_000 };

  it('is the same for the same key and due time, and within [0, jitter]', () => {
    for (let i = 0; i < 1000; i++) {
      const offset = jitterOffset(spec, `tenant-${i}`, NOW);
      expect(offset).toBe(jitterOffset(spec, `tenant-${i}`, NOW));
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThanOrEqual(30_000);
    }
  });

  it('spreads a thousand schedules due at one instant across the window', () => {
    const offsets = Array.from({ length: 1000 }, (_, i) => jitterOffset(spec, `tenant-${i}`, NOW));
    const buckets = new Array(10).fill(0);
    for (const o of offsets) buckets[Math.min(9, Math.floor(o / 3000))]++;
    // Each tenth of the window gets a fair share (100 expected): none empty, none crowded.
    for (const count of buckets) {
      expect(count).toBeGreaterThan(50);
      expect(count).toBeLessThan(150);
    }
  });

  it('varies from one due time to the next of one schedule, and is 0 without jitter', () => {
    const offsets = new Set(Array.from({ length: 20 }, (_, i) => jitterOffset(spec, 'k', NOW + i * 60_000)));
    expect(offsets.size).toBeGreaterThan(15);
    expect(jitterOffset({ every: 60_000 }, 'k', NOW)).toBe(0);
  });

  it('refuses a bad jitter with an error naming the field and the value', () => {
    expect(() => normaliseRepeat({ every: 1000, jitter: -1 }, 'repeat', 'UTC')).toThrow(/repeat\.jitter.*-1/);
    expect(() => normaliseRepeat({ every: 1000, jitter: 'soon' }, 'repeat', 'UTC')).toThrow(/repeat\.jitter.*soon/);
    expect(() => normaliseRepeat({ every: 1000, jitter: 2 ** 33 }, 'repeat', 'UTC')).toThrow(/repeat\.jitter.*at most/);
    expect(normaliseRepeat({ every: 1000, jitter: 0 }, 'repeat', 'UTC')).toEqual({ every: 1000 });
  });
});

describe('every() with jitter', () => {
  it('runs each due time late by its offset, and computes the next due time from the last one (no drift)', async () => {
    let now = NOW;
    const store = new MemoryStore();
    const scheduler = new Scheduler({ store, logger: silentLogger, now: () => now, pollInterval: 10 });
    const offset = (due: number) => jitterOffset({ every: 60_000, jitter: 30_000 }, 'sync-7', due);
    const job = await scheduler.every('1 minute', 'sync', { tenant: 7 }, { key: 'sync-7', jitter: '30s', skipImmediate: true });
    const firstDue = NOW + 60_000;
    expect(job.nextRunAt!.getTime()).toBe(firstDue + offset(firstDue));

    // Its run happens late, as jitter makes it: the next due time is still one interval after the last DUE
    // time, and runs late by its own offset.
    const ran: number[] = [];
    scheduler.define('sync', async () => {
      ran.push(now);
    });
    // Not claimable at its due time, nor until its jittered time.
    const claimAt = (at: number) => store.claim({ now: at, workerId: 'probe', lockToken: 'p', limit: 1, names: ['sync'], limits: [], lockLifetimeMs: 1000 });
    expect(await claimAt(firstDue + offset(firstDue) - 1)).toEqual([]);
    now = firstDue + offset(firstDue) + 5;
    await scheduler.start();
    try {
      await waitUntil(async () => (await store.getJob(job.id))!.dueAt === firstDue + 60_000, 5000, 'the next cycle');
      const next = (await store.getJob(job.id))!;
      expect(next.nextRunAt).toBe(firstDue + 60_000 + offset(firstDue + 60_000));
      expect(ran).toHaveLength(1);
    } finally {
      await scheduler.close();
    }
  });

  it('refuses options.jitter that is not a duration, naming it', async () => {
    const scheduler = new Scheduler({ store: new MemoryStore(), logger: silentLogger });
    await expect(scheduler.every('1 minute', 'sync', null, { jitter: 'later' })).rejects.toThrow(/options\.jitter.*later/);
  });
});
