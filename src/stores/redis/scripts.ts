/**
 * The Lua scripts, each in its own file under lua/ and each one atomic state change. They are read once,
 * prefixed with lua/lib.lua (the shared helpers and key layout) and, where an operation is shared, with its
 * function from lua/shared/ (claim.lua, settle.lua and settle_and_claim.lua call the same claimJobs and
 * settleJobs), and run by EVALSHA; a server that does not know a script yet (after a restart or SCRIPT FLUSH)
 * gets it once by EVAL, which also caches it there.
 * We do not use ioredis defineCommand: it would add methods to a client the user may have passed in.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadAsset } from '../../core/assets.js';
import { lostRunMessage } from '../../core/rules/claim.js';

export type Arg = string | number;

export class Script {
  readonly sha: string;
  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Run with KEYS = [routingKey] (the slot of the prefix) and ARGV = args. The arguments travel as one array:
   * a bulk insert has hundreds of thousands, too many to spread into a function call.
   */
  async run(client: Redis, routingKey: string, args: Arg[]): Promise<unknown> {
    const tail: Arg[] = [1, routingKey];
    for (const arg of args) tail.push(arg);
    try {
      return await client.call('EVALSHA', [this.sha, ...tail]);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return client.call('EVAL', [this.source, ...tail]);
    }
  }
}

/**
 * What claimJobs takes from TypeScript: the text of a lost run's error from core's rules (one source, so the
 * two cannot drift apart). It is split around the worker id, which the script fills in (or whole, for a job
 * with no worker recorded).
 */
const [LOST_BEFORE, LOST_AFTER] = lostRunMessage('\u0000').split('\u0000') as [string, string];
const CLAIM_LUA = [
  // JSON string literals are Lua string literals too, for this ASCII text.
  `local LOST_RUN_BEFORE, LOST_RUN_AFTER = ${JSON.stringify(LOST_BEFORE)}, ${JSON.stringify(LOST_AFTER)}`,
  `local LOST_RUN_UNKNOWN = ${JSON.stringify(lostRunMessage(null))}`,
].join('\n');

/** lib.lua, then the shared functions the script calls, then the script itself. */
function load(file: string, shared: ('claim' | 'settle' | 'steps' | 'flow')[] = []): Script {
  const parts = [loadAsset(import.meta.url, 'lua/lib.lua')];
  if (shared.includes('claim')) parts.push(CLAIM_LUA);
  for (const name of shared) parts.push(loadAsset(import.meta.url, `lua/shared/${name}.lua`));
  parts.push(loadAsset(import.meta.url, `lua/${file}.lua`));
  return new Script(file, parts.join('\n'));
}

/** Loaded on first use so importing the module reads no files. */
let cached: ReturnType<typeof loadAll> | undefined;
function loadAll() {
  return {
    insert: load('insert'),
    insertFlow: load('insert_flow', ['flow']),
    claim: load('claim', ['claim']),
    rateFreeAt: load('rate_free_at'),
    settle: load('settle', ['flow', 'settle']),
    settleAndClaim: load('settle_and_claim', ['flow', 'settle', 'claim']),
    heartbeat: load('heartbeat'),
    progress: load('progress'),
    cancel: load('cancel', ['flow']),
    trigger: load('trigger', ['flow']),
    update: load('update'),
    remove: load('remove', ['flow']),
    lockAcquire: load('lock_acquire'),
    lockRelease: load('lock_release'),
    list: load('list'),
    search: load('search'),
    listPending: load('list_pending'),
    rows: load('rows'),
    repeatIndex: load('repeat_index'),
    groupIndex: load('group_index'),
    groupLiveIndex: load('group_live_index'),
    groupCounts: load('group_counts', ['claim']),
    rateWindow: load('rate_window'),
    pruneGroups: load('prune_groups'),
    processPut: load('process_put'),
    prune: load('prune', ['flow']),
    finishedAt: load('finished_at'),
    backfill: load('backfill'),
    historyIndex: load('history_index'),
    headsIndex: load('heads_index'),
    // Durable runs (steps.ts).
    stepSave: load('step_save'),
    stepClear: load('step_clear'),
    stepSuspend: load('step_suspend', ['flow', 'settle', 'steps']),
    eventSend: load('event_send', ['steps']),
    pruneEvents: load('prune_events'),
  };
}
export function scripts(): ReturnType<typeof loadAll> {
  cached ??= loadAll();
  return cached;
}

/** A migration body wrapped so it applies once per prefix, however many processes race to run it. */
export function migrationScript(version: number, name: string, body: string): Script {
  const lib = loadAsset(import.meta.url, 'lua/lib.lua');
  const guard = `if redis.call('HEXISTS', P .. ':meta', 'migration:${version}') == 1 then return 0 end`;
  const record = `redis.call('HSET', P .. ':meta', 'migration:${version}', ARGV[2], 'migration:${version}:name', ${JSON.stringify(name)})\nreturn 1`;
  return new Script(`migration ${version}`, `${lib}\n${guard}\n${body}\n${record}`);
}
