/**
 * The claim, inside the caller's write transaction: recover expired locks, then take up to `limit` due jobs.
 *
 * The rule (Store.claim, rules/claim.ts): walk the due, unpaused, allowed jobs by priority, due time and
 * insertion order, and take each whose name still has allowance (localFree, and global less the slots taken)
 * until `limit`. That walk's result is the first `limit` of: each walked name's first `allowance` due jobs
 * (uncapped: `limit`), merged in claim order. So we collect those candidates and claim the chosen ids in one
 * UPDATE (claim-ids.sql).
 *
 * Flat at any backlog: a name's due jobs are read one priority at a time (claim-priority.sql finds the next
 * priority in use with one index seek, claim-level.sql reads that priority's due jobs, a range that ends at the
 * first job not yet due). An index ordered by priority then due time would otherwise make the claim step over
 * every not-yet-due job of a higher priority, and an idle claim over every job waiting for later: measured
 * 19.5 ms per claim with 500,000 jobs due tomorrow, against one seek per priority in use now.
 * Names are walked one by one when the worker lists them (the usual case), so other names' backlogs cost
 * nothing; a worker with a fallback handler walks all names at once (claim-*-any.sql), the capped ones apart.
 */
import type Database from 'better-sqlite3';
import { lostRunMessage } from '../../core/rules/claim.js';
import type { ClaimRequest, ClaimedJob, NameLimit } from '../../core/store.js';
import { groupedNames, offerGroups, stampServed, type GroupCandidate } from './groups.js';
import { logRates, rateRoomOf } from './rate.js';
import { byClaimOrder, byClaimedOrder, toClaimed, type ClaimedRow, type JobRow } from './rows.js';

type Prepare = (file: string) => Database.Statement;
type Candidate = Pick<JobRow, 'id' | 'priority' | 'next_run_at'> & { name?: string };

/** The lost run's text is core's: split around the worker's name so the SQL can put each job's in. */
const [LOST_BEFORE, LOST_AFTER] = lostRunMessage('\u0000').split('\u0000') as [string, string];
const LOST = { lost_before: LOST_BEFORE, lost_after: LOST_AFTER, lost_unknown: lostRunMessage(null) };

export function claimRows(stmt: Prepare, request: ClaimRequest): ClaimedJob[] {
  const { now, limit, names } = request;
  const recovery = { now, ...LOST };
  stmt('recover-history.sql').run(recovery);
  stmt('recover.sql').run(recovery);
  if (limit <= 0 || (names !== null && names.length === 0)) return [];

  const ids = choose(stmt, request);
  if (ids.length === 0) return [];
  const rows = stmt('claim-ids.sql')
    .raw(true)
    .all({
      now,
      token: request.lockToken,
      worker: request.workerId,
      lifetime: request.lockLifetimeMs,
      lifetimes: hasOwnLifetimes(request) ? JSON.stringify(request.lockLifetimes) : null,
      ids: JSON.stringify(ids),
    }) as ClaimedRow[];
  // UPDATE … RETURNING gives rows in storage order: restore claim order.
  rows.sort(byClaimedOrder);
  const stamp = { lockToken: request.lockToken, workerId: request.workerId, now };
  const claimed = new Array<ClaimedJob>(rows.length);
  for (let i = 0; i < rows.length; i++) claimed[i] = toClaimed(rows[i]!, stamp);
  return claimed;
}

function hasOwnLifetimes(request: ClaimRequest): boolean {
  for (const _ in request.lockLifetimes) return true;
  return false;
}

/**
 * The ids the ordered walk takes (see the file's comment). A name's grouped jobs come from its rotation
 * (groups.ts, rules/groups.ts), as many as it may take; the walk then keeps each name within its allowance,
 * shared by its grouped and ungrouped jobs. The groups served are stamped.
 */
function choose(stmt: Prepare, request: ClaimRequest): number[] {
  const { now, limit, names } = request;
  const paused = new Set((stmt('claim-paused.sql').all() as { name: string }[]).map((r) => r.name));
  const caps = cappedNames(request);
  const taken = slotsTaken(stmt, caps, now);
  const candidates: Candidate[] = [];
  const rates = new Map([...caps.values()].flatMap((c) => (c.rate ? [[c.name, c.rate] as const] : [])));
  const allowances = new Map<string, number>();
  const allowanceOf = (name: string): number => {
    let allowance = allowances.get(name);
    if (allowance !== undefined) return allowance;
    const cap = caps.get(name);
    allowance = cap === undefined ? limit : Math.min(limit, cap.localFree ?? Infinity, cap.global !== undefined ? cap.global - (taken.get(name) ?? 0) : Infinity);
    // A name-wide global rate: its room in the window now (rules/rate.ts).
    if (cap?.rate && !cap.rate.byGroup) allowance = Math.min(allowance, rateRoomOf(stmt, name, cap.rate, null, now));
    allowances.set(name, allowance);
    return allowance;
  };
  // Walked one by one: every listed name, or (fallback handler) the capped ones.
  for (const name of new Set(names ?? caps.keys())) {
    if (paused.has(name)) continue;
    const rate = caps.get(name)?.rate;
    // With a rate per group, the ungrouped jobs share one window.
    const allowance = Math.min(allowanceOf(name), rate?.byGroup ? rateRoomOf(stmt, name, rate, null, now) : Infinity);
    if (allowance > 0) walk(stmt, candidates, allowance, now, name);
  }
  if (names === null) walk(stmt, candidates, limit, now, null, JSON.stringify([...paused, ...caps.keys()]));
  const offered = new Map<number, GroupCandidate>();
  for (const name of new Set(names ?? groupedNames(stmt))) {
    if (paused.has(name)) continue;
    const rate = caps.get(name)?.rate;
    const groupRoom = rate?.byGroup ? (grp: string) => rateRoomOf(stmt, name, rate, grp, now) : undefined;
    for (const offer of offerGroups(stmt, name, now, allowanceOf(name), caps.get(name)?.groupConcurrency, groupRoom)) {
      offered.set(offer.id, offer);
      candidates.push(offer);
    }
  }
  if (offered.size === 0) {
    const chosen = candidates.sort(byClaimOrder).slice(0, limit);
    if (rates.size > 0) logRates(stmt, rates, chosen.map((c) => ({ name: c.name!, group: null })), now);
    return chosen.map((c) => c.id);
  }
  // A name's ungrouped and grouped candidates may together pass its allowance: walk them as core does.
  const left = new Map<string, number>();
  const chosen: number[] = [];
  for (const c of candidates.sort(byClaimOrder)) {
    if (chosen.length >= limit) break;
    const name = c.name ?? offered.get(c.id)!.name;
    const room = left.get(name) ?? allowanceOf(name);
    if (room <= 0) continue;
    left.set(name, room - 1);
    chosen.push(c.id);
  }
  stampServed(stmt, chosen.filter((id) => offered.has(id)).map((id) => offered.get(id)!));
  if (rates.size > 0) {
    const byId = new Map(candidates.map((c) => [c.id, c]));
    logRates(stmt, rates, chosen.map((id) => ({ name: byId.get(id)!.name ?? offered.get(id)!.name, group: offered.get(id)?.group ?? null })), now);
  }
  return chosen;
}

/** Adds up to `allowance` due jobs of `name` (null: any name but `skip`) to `into`, in claim order. */
function walk(stmt: Prepare, into: Candidate[], allowance: number, now: number, name: string | null, skip?: string): void {
  const [priorityOf, levelOf] = name === null ? ['claim-priority-any.sql', 'claim-level-any.sql'] : ['claim-priority.sql', 'claim-level.sql'];
  let found = 0;
  let atMost = Number.MAX_SAFE_INTEGER;
  while (found < allowance) {
    const level = stmt(priorityOf).get({ name, at_most: atMost }) as { priority: number } | undefined;
    if (level === undefined) return;
    const rows = stmt(levelOf).all({ name, skip, priority: level.priority, now, limit: allowance - found }) as Candidate[];
    if (name !== null) for (const row of rows) row.name = name;
    for (const row of rows) into.push(row);
    found += rows.length;
    atMost = level.priority - 1;
  }
}

/** Slots taken now by each capped name with a global cap, across every process sharing the file. */
function slotsTaken(stmt: Prepare, caps: Map<string, NameLimit>, now: number): Map<string, number> {
  const globals = [...caps.values()].filter((c) => c.global !== undefined).map((c) => c.name);
  const taken = new Map<string, number>();
  if (globals.length === 0) return taken;
  for (const row of stmt('running-by-name.sql').all({ names: JSON.stringify(globals), now }) as { name: string; running: number }[]) {
    taken.set(row.name, row.running);
  }
  return taken;
}

/** The allowed names with a cap. A name listed twice takes its last entry, as core's NameAllowance does. */
function cappedNames(request: ClaimRequest): Map<string, NameLimit> {
  const caps = new Map<string, NameLimit>();
  for (const cap of request.limits) {
    if (request.names !== null && !request.names.includes(cap.name)) continue;
    if (cap.localFree === undefined && cap.global === undefined && cap.groupConcurrency === undefined && cap.rate === undefined) caps.delete(cap.name);
    else caps.set(cap.name, cap);
  }
  return caps;
}
