/**
 * The registry of scheduler processes (Store.putProcess, listProcesses): one row per process in `processes`
 * (migration 009), its record kept as the JSON text it wrote, so every field comes back exactly.
 */
import type { ProcessRecord } from '../../core/store.js';
import type { PostgresStore } from './store.js';

export async function putProcess(store: PostgresStore, record: ProcessRecord, forgetBefore: number): Promise<void> {
  await store.run('put-process', [record.id, record.lastSeenAt, JSON.stringify(record), forgetBefore]);
}

/**
 * Oldest start first, then by id as the model orders them (src/stores/memory/store.ts). Sorted here, not by
 * ORDER BY: PostgreSQL orders text by its collation, JavaScript by UTF-16 code units.
 */
export async function listProcesses(store: PostgresStore): Promise<ProcessRecord[]> {
  const rows = await store.run<{ record: ProcessRecord }>('list-processes', []);
  return rows.map((r) => r.record).sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
