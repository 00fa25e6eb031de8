/**
 * Node's timers wait at most 2^31-1 ms; a longer delay fires after 1 ms. Durations this process waits for with a
 * timer are bounded (time/duration.ts parseTimerDuration) or clamped: a job's timeout at the bound runs the job
 * (its timer does not fire at once), and stop() given a longer wait waits for the running job.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import { silentLogger } from '../../src/core/logger.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { nextEvent } from '../support/scheduler.js';
import { deferred } from './helpers.js';

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop({ graceful: false }).catch(() => undefined)));
});

function scheduler(): Scheduler {
  const s = new Scheduler({ store: new MemoryStore(), logger: silentLogger });
  schedulers.push(s);
  return s;
}

describe('timers longer than Node waits', () => {
  it('refuses a timeout or lock lifetime past 2^31-1 ms, naming the field', () => {
    const s = scheduler();
    expect(() => s.define('a', async () => null, { timeout: 2 ** 31 })).toThrow(/options\.timeout: must be at most 2147483647 ms/);
    expect(() => s.define('b', async () => null, { lockLifetime: '60 days' })).toThrow(/options\.lockLifetime: must be at most 2147483647 ms/);
    expect(() => new Scheduler({ store: new MemoryStore(), logger: silentLogger, lockLifetime: 2 ** 31 })).toThrow(/options\.lockLifetime/);
  });

  it('stop() with a wait longer than a timer takes still waits for the running job', async () => {
    const s = scheduler();
    const release = deferred();
    let aborted = false;
    s.define('slow', async (_job, ctx) => {
      // A handler that honours its abort signal: stop() aborts it once its wait is over.
      await new Promise<void>((resolve) => {
        void release.promise.then(resolve);
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      });
      return 'done';
    });
    const started = nextEvent(s, 'job:start');
    await s.start();
    const job = await s.now('slow');
    await started;
    let stopped = false;
    const stopping = s.stop({ timeoutMs: 2 ** 40 }).then(() => (stopped = true));
    // A window for the overflowed timer (1 ms) to have fired, had the wait not been clamped: not a synchronisation.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    expect(aborted).toBe(false);
    release.resolve();
    await stopping;
    expect(aborted).toBe(false);
    expect((await s.getJob(job.id))!.status).toBe('completed');
  });
});
