/**
 * The claim, inside the caller's write transaction: recover expired locks, then take up to `limit` due jobs.
 *
 * The rule (Store.claim): walk the due, unpaused, allowed jobs by priority, due time and insertion order, and
 * take each whose name still has allowance (localFree, and global less the running jobs) until `limit`.
 * Without a cap among the allowed names that walk is one UPDATE (claim.sql), the hot path. With caps, the
 * walk's result is the first `limit` of: each capped name's first `allowance` candidates plus the first `limit`
 * uncapped ones, merged in claim order. So we select those ids (each select an index walk that stops at its
 * LIMIT), merge them here, and claim the chosen ids in one UPDATE (claim-ids.sql).
 */
import type Database from 'better-sqlite3';
import { lostRunMessage } from '../../core/rules/claim.js';
import type { ClaimRequest, ClaimedJob, NameLimit } from '../../core/store.js';
import { byClaimOrder, toRecord, type JobRow } from './rows.js';

type Prepare = (file: string) => Database.Statement;
type Candidate = Pick<JobRow, 'id' | 'priority' | 'next_run_at'>;

/** The lost run's text is core's: split around the worker's name so the SQL can put each job's in. */
const [LOST_BEFORE, LOST_AFTER] = lostRunMessage('\u0000').split('\u0000') as [string, string];
const LOST = { lost_before: LOST_BEFORE, lost_after: LOST_AFTER, lost_unknown: lostRunMessage(null) };

export function claimRows(stmt: Prepare, request: ClaimRequest): ClaimedJob[] {
  const { now, limit, names } = request;
  const recovery = { now, ...LOST };
  stmt('recover-history.sql').run(recovery);
  stmt('recover.sql').run(recovery);
  if (limit <= 0 || (names !== null && names.length === 0)) return [];

  const base = {
    now,
    token: request.lockToken,
    worker: request.workerId,
    lifetime: request.lockLifetimeMs,
    lifetimes: JSON.stringify(request.lockLifetimes ?? {}),
  };
  const caps = cappedNames(request);
  let rows: JobRow[];
  if (caps.size === 0) {
    rows = stmt('claim.sql').all({ ...base, limit, any_name: names === null ? 1 : 0, names: JSON.stringify(names ?? []) }) as JobRow[];
  } else {
    const ids = chooseCapped(stmt, request, caps);
    rows = ids.length === 0 ? [] : (stmt('claim-ids.sql').all({ ...base, ids: JSON.stringify(ids) }) as JobRow[]);
  }
  // UPDATE … RETURNING gives rows in storage order: restore claim order.
  return rows.sort(byClaimOrder).map((row) => ({ ...toRecord(row), lockToken: request.lockToken }));
}

/** The allowed names with a cap. A name listed twice takes its last entry, as core's NameAllowance does. */
function cappedNames(request: ClaimRequest): Map<string, NameLimit> {
  const caps = new Map<string, NameLimit>();
  for (const cap of request.limits) {
    if (request.names !== null && !request.names.includes(cap.name)) continue;
    if (cap.localFree === undefined && cap.global === undefined) caps.delete(cap.name);
    else caps.set(cap.name, cap);
  }
  return caps;
}

/** The ids the ordered walk takes when some names are capped (see the file's comment). */
function chooseCapped(stmt: Prepare, request: ClaimRequest, caps: Map<string, NameLimit>): number[] {
  const { now, limit, names } = request;
  const globals = [...caps.values()].filter((c) => c.global !== undefined).map((c) => c.name);
  const running = new Map<string, number>();
  if (globals.length > 0) {
    for (const row of stmt('running-by-name.sql').all({ names: JSON.stringify(globals), now }) as { name: string; running: number }[]) {
      running.set(row.name, row.running);
    }
  }
  const candidates: Candidate[] = [];
  for (const cap of caps.values()) {
    const allowance = Math.min(limit, cap.localFree ?? Infinity, cap.global !== undefined ? cap.global - (running.get(cap.name) ?? 0) : Infinity);
    if (allowance <= 0) continue;
    candidates.push(...(stmt('claim-capped.sql').all({ now, name: cap.name, limit: allowance }) as Candidate[]));
  }
  candidates.push(
    ...(stmt('claim-uncapped.sql').all({
      now,
      limit,
      any_name: names === null ? 1 : 0,
      names: JSON.stringify(names ?? []),
      skip: JSON.stringify([...caps.keys()]),
    }) as Candidate[]),
  );
  return candidates.sort(byClaimOrder).slice(0, limit).map((c) => c.id);
}
