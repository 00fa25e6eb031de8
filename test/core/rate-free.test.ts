/**
 * When a claim held back by a global rate is tried again (rules/rate.ts rateFreeAt, Store.rateFreeAt on the model),
 * and the wake-up it arms (wakeup.ts). On explicit times and a fake clock: nothing here sleeps.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { earliest, rateFreeAt, ratedNames, windowOf } from '../../src/core/rules/rate.js';
import type { NameLimit, NewJob } from '../../src/core/store.js';
import { Wakeup } from '../../src/core/wakeup.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { FakeClock } from './fake-clock.js';

const T0 = 1_000_000;
const named = { max: 2, perMs: 500 };
const perGroup = { max: 2, perMs: 500, byGroup: true };

function job(name: string, group: string | null = null): NewJob {
  return { name, data: null, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: null, label: null, group, dueAt: T0, nextRunAt: T0 };
}

describe('rateFreeAt (the rule)', () => {
  it('name-wide: the oldest start in a full window + per; null while the window has room', () => {
    expect(rateFreeAt(named, windowOf(named, [[T0, T0 + 100]], T0 + 200))).toBe(T0 + 500);
    expect(rateFreeAt(named, windowOf(named, [[T0 + 100]], T0 + 200))).toBeNull();
    // Starts that left the window count for nothing: (now - per, now].
    expect(rateFreeAt(named, windowOf(named, [[T0 - 400, T0 + 100]], T0 + 100))).toBeNull();
    expect(rateFreeAt(named, windowOf(named, [[T0 - 499, T0]], T0))).toBe(T0 + 1);
    // A max lowered since: the first of several steps.
    expect(rateFreeAt({ max: 1, perMs: 500 }, windowOf(named, [[T0, T0 + 100, T0 + 200]], T0 + 200))).toBe(T0 + 500);
  });

  it('by group: the earliest start in any of the windows + per (a lower bound), null when none', () => {
    expect(rateFreeAt(perGroup, windowOf(perGroup, [[T0 + 300], [T0 + 100], []], T0 + 400))).toBe(T0 + 600);
    expect(rateFreeAt(perGroup, windowOf(perGroup, [[T0 - 600]], T0))).toBeNull();
  });

  it('earliest of several names; each name once, its last entry', () => {
    expect(earliest([null, T0 + 5, T0 + 3, null])).toBe(T0 + 3);
    expect(earliest([null])).toBeNull();
    const limits: NameLimit[] = [{ name: 'a', rate: named }, { name: 'b', global: 1 }, { name: 'a', rate: perGroup }];
    expect(ratedNames(limits)).toEqual([{ name: 'a', rate: perGroup }]);
  });
});

describe('MemoryStore.rateFreeAt (the model) and the wake it arms', () => {
  async function claim(store: MemoryStore, now: number, limits: NameLimit[]) {
    return store.claim({ now, workerId: 'w', lockToken: randomUUID(), limit: 10, names: null, limits, lockLifetimeMs: 30_000 });
  }

  it('answers when the window a claim filled frees, and a Wakeup on a fake clock claims then, not at its poll', async () => {
    const store = new MemoryStore();
    await store.insert([job('work'), job('work'), job('work'), job('other')], T0);
    const limits: NameLimit[] = [{ name: 'work', rate: named }];
    expect(await claim(store, T0, limits)).toHaveLength(3);
    expect(await claim(store, T0 + 100, limits)).toHaveLength(0);
    const at = await store.rateFreeAt(limits, T0 + 100);
    expect(at).toBe(T0 + 500);
    // Names without a rate are never asked about.
    expect(await store.rateFreeAt([{ name: 'other', global: 1 }], T0 + 100)).toBeNull();

    const clock = new FakeClock(T0 + 100);
    const wakeup = new Wakeup(clock);
    wakeup.start();
    let woke = false;
    void wakeup.sleep(60_000).then(() => (woke = true));
    wakeup.wakeAt(at!);
    clock.advance(399);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.advance(2);
    await Promise.resolve();
    expect(woke).toBe(true);
    expect(await claim(store, clock.now(), limits)).toHaveLength(1);
  });

  it('by group: the earliest start of the name in any group window', async () => {
    const store = new MemoryStore();
    await store.insert([job('work', 'g'), job('work', 'g'), job('work', 'h')], T0);
    const limits: NameLimit[] = [{ name: 'work', rate: { max: 1, perMs: 500, byGroup: true } }];
    expect(await claim(store, T0, limits)).toHaveLength(2);
    expect(await claim(store, T0 + 50, limits)).toHaveLength(0);
    expect(await store.rateFreeAt(limits, T0 + 50)).toBe(T0 + 500);
    expect(await store.rateFreeAt(limits, T0 + 500)).toBeNull();
  });
});
