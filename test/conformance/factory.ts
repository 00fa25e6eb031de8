/**
 * What a store's test file gives the conformance suites. Each call to create() returns a store on fresh,
 * isolated data (its own file, schema or key prefix) and a URL that storeFromUrl() opens on the same data,
 * so child processes (crash and race tests) can share it.
 */
import type { Store } from '../../src/core/store.js';

export interface CreatedStore {
  store: Store;
  url: string;
  /** Drop the file/schema/keys. The suite closes the store first. */
  cleanup(): Promise<void>;
  /**
   * Throws when the store's own indexes disagree with its data (what no answer shows until a later call trips
   * on it); the differential suite checks it after every sequence. Optional.
   */
  checkIndexes?(): Promise<void>;
  /**
   * Another handle on the same data, as another process would open it (not yet init()ed). Default:
   * storeFromUrl(url). An in-process store (MemoryStore) hands out the same instance.
   */
  open?(): Promise<Store>;
}

export interface StoreFactory {
  kind: string;
  /** Why this store cannot be tested here (its server does not answer), or null when it can. */
  unavailable(): Promise<string | null>;
  create(): Promise<CreatedStore>;
  /** false for stores private to one connection (SQLite ':memory:'): tests that need a second process skip. */
  shared?: boolean;
}

/**
 * Resolve whether a suite runs. Without a server a developer's run skips with one clear line;
 * in CI (CI=true) a missing server fails the run instead of silently skipping.
 */
export async function availability(factory: StoreFactory): Promise<{ skip: boolean }> {
  const reason = await factory.unavailable();
  if (reason === null) return { skip: false };
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`${factory.kind} store tests cannot run in CI: ${reason}. Start it with scripts/services.sh.`);
  }
  process.stderr.write(`[hourglass tests] skipping ${factory.kind} suites: ${reason} (start it with scripts/services.sh)\n`);
  return { skip: true };
}
