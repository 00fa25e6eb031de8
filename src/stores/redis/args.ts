/**
 * The ARGV of the two hot scripts, claim and settle (shared/claim.lua, shared/settle.lua), built in the order
 * the Lua reads them. settle_and_claim.lua reads the settle arguments, then the claim ones.
 */
import type { ClaimRequest, Settlement } from '../../core/store.js';
import { historyBody, packArgs, tri } from './codec.js';
import type { Arg } from './scripts.js';

/** What shared/claim.lua reads after the prefix. */
export function claimArgs(request: ClaimRequest): Arg[] {
  const args: Arg[] = [request.now, request.workerId, request.lockToken, request.limit, request.lockLifetimeMs];
  if (request.names === null) args.push(-1);
  else args.push(request.names.length, ...request.names);
  args.push(request.limits.length);
  for (const l of request.limits) {
    args.push(l.name, l.localFree ?? '', l.global ?? '', l.groupConcurrency ?? '', l.rate?.max ?? '', l.rate?.perMs ?? '', l.rate?.byGroup ? 1 : 0);
  }
  const lifetimes = Object.entries(request.lockLifetimes ?? {});
  args.push(lifetimes.length);
  for (const [name, ms] of lifetimes) args.push(name, ms);
  return args;
}

/** What shared/settle.lua reads: the count, then per settlement its 13 values in one argument (packArgs). */
export function settleArgs(settlements: Settlement[]): Arg[] {
  const args: Arg[] = [settlements.length];
  for (const s of settlements) {
    args.push(packArgs([
      s.id, s.lockToken, s.status, s.nextRunAt ?? '', s.dueAt ?? '', s.attempts ?? '',
      tri(s.result, JSON.stringify), tri(s.lastError), tri(s.lastErrorStack), s.maxAttempts ?? '', s.finishedAt,
      s.history?.status ?? '', s.history ? historyBody(s.history) : '',
    ]));
  }
  return args;
}
