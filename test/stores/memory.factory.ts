/** MemoryStore for the conformance suites: one instance per test, private to this process. */
import { MemoryStore } from '../../src/stores/memory/index.js';
import type { StoreFactory } from '../conformance/factory.js';

export const memoryFactory: StoreFactory = {
  kind: 'memory',
  shared: false,
  unavailable: async () => null,
  async create() {
    const store = new MemoryStore();
    // Every "other connection" is the same instance: the data lives in this process only.
    return { store, url: 'memory:', cleanup: async () => undefined, open: async () => store };
  },
};
