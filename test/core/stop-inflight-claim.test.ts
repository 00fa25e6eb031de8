/**
 * A stop() that begins while a claim is on its way: the store shows the claimed jobs running already, so a
 * graceful stop runs those that free slots can take and waits for them, and gives back the rest unstarted; a
 * forced stop gives them all back. (A CI run met the race through the public API: a test saw the stored status
 * 'running', called stop(), and the job came back pending, never run.) The claim is held at the store by a gate
 * the test opens once stop() has begun.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import type { ClaimRequest, ClaimedJob } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { waitUntil } from '../conformance/helpers.js';

/** A store whose claims, once `hold()` is called, are applied at once but answered only when `open()` is called. */
class GatedClaims extends MemoryStore {
  private gate: Promise<void> | null = null;
  private release: (() => void) | null = null;
  /** Claims answered late so far (not `held`: the model has a method of that name). */
  gated = 0;
  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release?.();
    this.gate = null;
  }
  override async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    const gate = this.gate;
    const claimed = await super.claim(request);
    if (gate && claimed.length > 0) {
      this.gated++;
      await gate;
    }
    return claimed;
  }
}

async function scenario(graceful: boolean) {
  const store = new GatedClaims();
  const scheduler = new Scheduler({ store, logger: silentLogger, concurrency: 2, pollInterval: 20 });
  const ran: string[] = [];
  scheduler.define('work', async (job) => {
    await new Promise((r) => setTimeout(r, 50));
    ran.push(job.id);
  });
  await scheduler.start();
  store.hold();
  const jobs = await scheduler.scheduleBulk([{ name: 'work' }, { name: 'work' }, { name: 'work' }]);
  await waitUntil(() => store.gated > 0, 5_000, 'a claim held at the gate');
  const states = await Promise.all(jobs.map(async (j) => (await scheduler.getJob(j.id))!.status));
  const stopped = scheduler.stop({ graceful, timeoutMs: 5_000 });
  store.open();
  await stopped;
  const after = await Promise.all(jobs.map(async (j) => (await store.getJob(j.id))!));
  return { states, ran, after };
}

describe('stop() while a claim is on its way', () => {
  it('graceful: runs what free slots take to the end, and gives the rest back unstarted', async () => {
    const { states, ran, after } = await scenario(true);
    const claimedBeforeStop = states.filter((s) => s === 'running').length;
    expect(claimedBeforeStop).toBeGreaterThan(0);
    expect(ran).toHaveLength(Math.min(2, claimedBeforeStop));
    for (const job of after) {
      if (ran.includes(job.id)) expect(job).toMatchObject({ status: 'completed', attempts: 1 });
      else expect(job).toMatchObject({ status: 'pending', attempts: 0 });
    }
  });

  it('forced: gives every job of that claim back unstarted', async () => {
    const { states, ran, after } = await scenario(false);
    expect(states.filter((s) => s === 'running').length).toBeGreaterThan(0);
    expect(ran).toEqual([]);
    for (const job of after) expect(job).toMatchObject({ status: 'pending', attempts: 0 });
  });
});
