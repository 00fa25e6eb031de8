/** flow(): the graph checked and ordered before anything is stored (src/core/flow.ts). */
import { describe, expect, it } from 'vitest';
import { InvalidFlowError, ValidationError } from '../../src/core/errors.js';
import { flowJobs } from '../../src/core/flow.js';

const ctx = { now: 1_000, timezone: 'UTC', defaultPriority: () => 0, defaultMaxAttempts: () => null };
const keysOf = (nodes: unknown) => flowJobs(nodes, 'nodes', ctx).map((j) => j.flow.key);
const fault = (nodes: unknown) => {
  try {
    flowJobs(nodes, 'nodes', ctx);
  } catch (error) {
    return error as InvalidFlowError;
  }
  throw new Error('no error');
};

describe('flowJobs', () => {
  it('puts every node after the nodes it runs after, otherwise in the order given', () => {
    expect(keysOf([{ key: 'd', name: 'x', after: ['b', 'c'] }, { key: 'b', name: 'x', after: ['a'] }, { key: 'a', name: 'x' }, { key: 'c', name: 'x', after: ['a'] }])).toEqual(['a', 'b', 'c', 'd']);
    const jobs = flowJobs([{ key: 'm', name: 'x', after: ['r'] }, { key: 'r', name: 'x' }], 'nodes', ctx);
    expect(jobs.map((j) => ({ key: j.flow.key, after: j.after, dependents: j.flow.dependents }))).toEqual([
      { key: 'r', after: [], dependents: true },
      { key: 'm', after: [0], dependents: undefined },
    ]);
  });

  it('keeps per-node options and the failure policy', () => {
    const [a, b] = flowJobs([{ key: 'a', name: 'x', priority: 'high', attempts: 4, delay: '1s', dedupeKey: 'k' }, { key: 'b', name: 'y', after: ['a'], onDependencyFailure: 'run' }], 'nodes', ctx);
    expect(a).toMatchObject({ name: 'x', priority: 10, maxAttempts: 4, nextRunAt: 2_000, dedupeKey: 'k', flow: { key: 'a', dependents: true } });
    expect(b!.flow).toEqual({ key: 'b', onDependencyFailure: 'run' });
  });

  it('names a node on the cycle, not one downstream of it', () => {
    const error = fault([{ key: 'tail', name: 'x', after: ['b'] }, { key: 'a', name: 'x', after: ['b'] }, { key: 'b', name: 'x', after: ['a'] }]);
    expect(error).toBeInstanceOf(InvalidFlowError);
    expect(error.code).toBe('INVALID_FLOW');
    expect(['a', 'b']).toContain(error.key);
    expect(fault([{ key: 'self', name: 'x', after: ['self'] }]).key).toBe('self');
  });

  it('refuses duplicate keys, unknown dependencies, repeats and dedupe keys on blocked nodes', () => {
    expect(fault([{ key: 'a', name: 'x' }, { key: 'a', name: 'y' }])).toMatchObject({ code: 'INVALID_FLOW', key: 'a' });
    expect(fault([{ key: 'a', name: 'x', after: ['ghost'] }]).message).toContain('"ghost"');
    expect(fault([{ key: 'a', name: 'x', repeat: { every: '1m' } }])).toBeInstanceOf(ValidationError);
    expect(fault([{ key: 'a', name: 'x' }, { key: 'b', name: 'x', after: ['a'], dedupeKey: 'k' }])).toMatchObject({ field: 'nodes[1].dedupeKey' });
    expect(fault([])).toBeInstanceOf(ValidationError);
    expect(fault([{ key: '', name: 'x' }])).toMatchObject({ field: 'nodes[0].key' });
    expect(fault([{ key: 'a', name: 'x', onDependencyFailure: 'ignore' }])).toMatchObject({ field: 'nodes[0].onDependencyFailure' });
  });

  it('orders a 10,000-node fan-in in linear time', () => {
    const width = 10_000;
    const nodes = [...Array.from({ length: width }, (_, i) => ({ key: `p${i}`, name: 'x' })), { key: 'sink', name: 'x', after: Array.from({ length: width }, (_, i) => `p${i}`) }];
    const t = performance.now();
    const jobs = flowJobs(nodes, 'nodes', ctx);
    expect(jobs.at(-1)!.after).toHaveLength(width);
    expect(performance.now() - t).toBeLessThan(5_000);
  });
});
