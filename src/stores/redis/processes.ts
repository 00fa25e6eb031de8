/**
 * The process registry (Store.putProcess, Store.listProcesses): `{prefix}:processes`, a hash of each scheduler's
 * record as the JSON text it wrote (so every value comes back exactly), and `{prefix}:processes:seen`, the same
 * ids by lastSeenAt, so forgetting the silent ones is a range, not a scan. A write and its forgetting are one
 * script (lua/process_put.lua).
 */
import type { Redis } from 'ioredis';
import { ValidationError } from '../../core/errors.js';
import type { ProcessRecord } from '../../core/store.js';
import type { Keys } from './keys.js';
import { scripts } from './scripts.js';

/** A zset score Redis reads as the same double (so `lastSeenAt < forgetBefore` is decided as in JavaScript). */
function time(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValidationError(field, value, 'must be a finite epoch time in ms');
  return value;
}

export async function putProcess(client: Redis, keys: Keys, record: ProcessRecord, forgetBefore: number): Promise<void> {
  const args = [keys.tag, String(record.id), JSON.stringify(record), time('record.lastSeenAt', record.lastSeenAt), time('forgetBefore', forgetBefore)];
  await scripts().processPut.run(client, keys.meta, args);
}

/** Every record kept, by startedAt then id, as the model orders them (src/stores/memory/store.ts). */
export async function listProcesses(client: Redis, keys: Keys): Promise<ProcessRecord[]> {
  const records = (await client.hvals(keys.processes)).map((text) => JSON.parse(text) as ProcessRecord);
  return records.sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
