/**
 * Layout migrations for one prefix. Redis has no schema, but a layout can change: each numbered Lua file in
 * lua/migrations runs once per prefix, inside a guard that records it in `{prefix}:meta`, so any number of
 * processes may race to apply it. A prefix written by a newer hourglass (an unknown migration) is refused.
 */
import type { Redis } from 'ioredis';
import { listMigrations } from '../../core/assets.js';
import { StoreError } from '../../core/errors.js';
import type { MigrationStatus } from '../../core/store.js';
import type { Keys } from './keys.js';
import { migrationScript, scripts, type Script } from './scripts.js';

const FILES = ['001_layout.lua', '002_retention_indexes.lua', '003_running_index.lua', '004_history_by_id.lua', '005_repeating_index.lua', '006_groups.lua', '007_group_jobs.lua', '008_group_upkeep.lua', '009_scheduled_members.lua', '010_ready_heads.lua'];

/** Ids visited per backfill call (one atomic script: about 1000 × (HMGET + LINDEX + ZADD), a few ms). */
const BACKFILL_CHUNK = 1000;

let cached: ReturnType<typeof listMigrations> | undefined;
const migrations = () => (cached ??= listMigrations(import.meta.url, 'lua/migrations', FILES));

export async function migrationStatus(client: Redis, keys: Keys): Promise<MigrationStatus> {
  const meta = await client.hgetall(keys.meta);
  const known = migrations();
  for (const field of Object.keys(meta)) {
    const match = /^migration:(\d+)$/.exec(field);
    if (match && !known.some((m) => m.version === Number(match[1]))) {
      throw new StoreError(`redis prefix ${keys.tag} has layout migration ${match[1]}, unknown to this version of hourglass: upgrade hourglass`);
    }
  }
  const applied: MigrationStatus['applied'] = [];
  const pending: MigrationStatus['pending'] = [];
  for (const m of known) {
    const at = meta[`migration:${m.version}`];
    if (at === undefined) pending.push({ version: m.version, name: m.name });
    else applied.push({ version: m.version, name: m.name, appliedAt: Number(at) || null });
  }
  return { applied, pending };
}

export async function migrate(client: Redis, keys: Keys, now: number): Promise<MigrationStatus> {
  const status = await migrationStatus(client, keys);
  for (const m of migrations()) {
    if (status.applied.some((a) => a.version === m.version)) continue;
    await migrationScript(m.version, m.name, m.sql).run(client, keys.meta, [keys.tag, now]);
  }
  await backfill(client, keys);
  await moveHistoryIndex(client, keys);
  await indexRepeating(client, keys);
  await indexGroups(client, keys);
  await indexGroupUpkeep(client, keys);
  await foldReadyNames(client, keys);
  return migrationStatus(client, keys);
}

/**
 * Migration 005 leaves the ids written before it to add to P:rep (the jobs with a repeat): visit them in chunks,
 * one short script each (repeat_index.lua), continuing where another process stopped. Returns the calls made.
 */
export async function indexRepeating(client: Redis, keys: Keys, chunk = BACKFILL_CHUNK): Promise<number> {
  return inChunks(client, keys, scripts().repeatIndex, chunk);
}

/**
 * Migration 007 leaves the ids written before it to add to P:gjobs:<group> (each group's jobs), as indexRepeating
 * does for P:rep (group_index.lua). Returns the calls made.
 */
export async function indexGroups(client: Redis, keys: Keys, chunk = BACKFILL_CHUNK): Promise<number> {
  return inChunks(client, keys, scripts().groupIndex, chunk);
}

/**
 * Migration 008 leaves the ids written before it to add to the groups' upkeep indexes (P:glive:<g>, P:gknown,
 * P:gnames): visit them in chunks (group_live_index.lua), continuing where another process stopped.
 */
export async function indexGroupUpkeep(client: Redis, keys: Keys, chunk = BACKFILL_CHUNK): Promise<number> {
  return inChunks(client, keys, scripts().groupLiveIndex, chunk);
}

/**
 * Layout 10 lists the names with ready jobs in P:heads (lib.lua): fold P:readynames, which layouts before it
 * kept, in chunks (heads_index.lua). Run on every start, so names an older process still adds during a rolling
 * upgrade are folded by the next process that starts. Returns the calls made.
 */
export async function foldReadyNames(client: Redis, keys: Keys, chunk = BACKFILL_CHUNK): Promise<number> {
  return inChunks(client, keys, scripts().headsIndex, chunk);
}

/**
 * Migration 002 leaves a range of job ids to add to the retention indexes (jobs written by an older hourglass).
 * Visit it in chunks, one short script each, so Redis never blocks for long; any process that migrates
 * continues where another stopped (the cursor lives in {prefix}:meta). Returns the number of calls made.
 */
export async function backfill(client: Redis, keys: Keys, chunk = BACKFILL_CHUNK): Promise<number> {
  return inChunks(client, keys, scripts().backfill, chunk);
}

/**
 * Migration 004 replaces P:hjobs (jobs with history by completedAt) with P:hheads (by record id): move what is
 * left of the old index in chunks. Run on every start, so jobs an older process indexed during a rolling
 * upgrade are moved too. Returns the number of calls made.
 */
export async function moveHistoryIndex(client: Redis, keys: Keys, chunk = BACKFILL_CHUNK): Promise<number> {
  return inChunks(client, keys, scripts().historyIndex, chunk);
}

/** Run a chunked upkeep script (it answers what is left) until it is done; returns the calls made. */
async function inChunks(client: Redis, keys: Keys, script: Script, chunk: number): Promise<number> {
  let calls = 0;
  for (;;) {
    calls += 1;
    const left = Number(await script.run(client, keys.meta, [keys.tag, chunk]));
    if (left <= 0) return calls;
  }
}
