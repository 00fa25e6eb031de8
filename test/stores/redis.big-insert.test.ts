/**
 * An insert is one Redis script, atomic, so a very large array given to scheduleBulk holds the server for the
 * whole batch. The store says so once, through the scheduler's logger, and the streamed form (chunks of at most
 * 10,000) says nothing.
 */
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { recordingLogger } from '../support/logger.js';
import { REDIS_URL, redisFactory, usePrefixes } from './redis.factory.js';

const { skip } = await availability(redisFactory);
const BIG = /runs as one Redis script and blocks the server/;

describe.skipIf(skip)('redis: a very large insert is one script, and the store says so once', () => {
  const prefix = usePrefixes();

  async function scheduler() {
    const logger = recordingLogger();
    const s = new Scheduler({ store: new RedisStore({ url: REDIS_URL, prefix: prefix() }), logger });
    return { s, logger };
  }
  const specs = (n: number) => Array.from({ length: n }, (_, i) => ({ name: 'bulk', data: { i } }));

  it('warns once for an array above 10,000 jobs, naming the streamed form; stores every job', async () => {
    const { s, logger } = await scheduler();
    try {
      expect(await s.scheduleBulk(specs(10_001))).toHaveLength(10_001);
      await s.scheduleBulk(specs(10_001));
      const warnings = logger.records.filter((r) => r.level === 'warn' && BIG.test(r.msg));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toContain('chunkSize');
      expect(warnings[0]!.fields).toMatchObject({ jobs: 10_001 });
      expect((await s.countJobs('bulk', ['pending'])).pending).toBe(20_002);
    } finally {
      await s.stop();
    }
  });

  it('says nothing for 10,000 jobs, nor for the streamed form of more', async () => {
    const { s, logger } = await scheduler();
    try {
      await s.scheduleBulk(specs(10_000));
      const summary = await s.scheduleBulk(specs(12_000), { chunkSize: 5_000 });
      expect(summary).toMatchObject({ stored: 12_000, chunks: 3 });
      expect(logger.records.filter((r) => BIG.test(r.msg))).toEqual([]);
    } finally {
      await s.stop();
    }
  });
});
