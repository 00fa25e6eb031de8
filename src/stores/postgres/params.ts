/**
 * Parameters of the claim and settle statements, shared by claim(), settle() and settleAndClaim() (which
 * passes both to settle_and_claim(), functions/settle_and_claim.sql).
 */
import type { ClaimRequest, Settlement } from '../../core/store.js';
import { jsonParam, parseId } from './rows.js';

export interface ClaimParams {
  /** claim.sql's $1..$16. */
  values: unknown[];
  /** Globally capped names this claim involves, sorted: the advisory locks it must take (see claim.sql). */
  globals: string[];
}

export function claimParams(request: ClaimRequest, channel: string): ClaimParams {
  const allowed = (name: string) => request.names === null || request.names.includes(name);
  const capped = request.limits.filter((l) => l.localFree !== undefined || l.global !== undefined || l.groupConcurrency !== undefined || l.rate !== undefined);
  const lifetimes = Object.entries(request.lockLifetimes ?? {});
  const values = [
    request.now,
    request.workerId,
    request.lockToken,
    Math.max(0, request.limit),
    request.names,
    capped.map((l) => l.name),
    capped.map((l) => (l.localFree === undefined ? null : Math.max(0, l.localFree))),
    capped.map((l) => (l.global === undefined ? null : l.global)),
    lifetimes.map(([name]) => name),
    lifetimes.map(([, ms]) => ms),
    request.lockLifetimeMs,
    channel,
    capped.map((l) => (l.groupConcurrency === undefined ? null : l.groupConcurrency)),
    capped.map((l) => (l.rate === undefined ? null : l.rate.max)),
    capped.map((l) => (l.rate === undefined ? null : l.rate.perMs)),
    capped.map((l) => (l.rate === undefined ? null : l.rate.byGroup === true)),
  ];
  // Sorted, so two claimers always lock in the same order and never deadlock. A groupConcurrency and a global
  // rate are counted in the store as a global cap is, so they need the same lock.
  const globals = [...new Set(capped.filter((l) => (l.global !== undefined || l.groupConcurrency !== undefined || l.rate !== undefined) && allowed(l.name)).map((l) => l.name))].sort();
  return { values, globals };
}

export interface SettleParams {
  /**
   * settle.sql's $1: the settlements with a well-formed id (a malformed one can match no job: never applied),
   * as a JSON array; each carries `i`, its position in the caller's array, which the statement returns when
   * it applied it (ids would not do: two settlements may name one job, one with a stale lock token).
   */
  json: string;
  /** How many went into `json`. */
  count: number;
}

/**
 * settle.sql's JSON payload. It leaves out every null, as insert.ts's toInput does: jsonb_to_recordset reads a
 * missing key as NULL, exactly as it reads a JSON null (PostgreSQL: "a JSON null value is converted to an SQL
 * null in all cases"), and parsing is most of what the statement spends on its input. A settle of 107 jobs
 * parsed its input in 5.2-5.4 µs of server CPU a job without the nulls against 7.9-8.1 with them (their keys
 * were ~30 % of the bytes). A process of an earlier version still sends them, which reads the same.
 */
export function settleParams(settlements: Settlement[]): SettleParams {
  // Two settlements of one run (job and token) are both sent: settle.sql applies the first and answers the
  // copy as resent (firsts), as the rules do for a batch taken in order.
  const input: Record<string, unknown>[] = [];
  for (let i = 0; i < settlements.length; i++) {
    const s = settlements[i]!;
    const id = parseId(s.id);
    if (id === null) continue;
    // The set_* flags always travel: a missing one would read as NULL, not false.
    const item: Record<string, unknown> = {
      i,
      id,
      lock_token: s.lockToken,
      status: s.status,
      set_result: s.result !== undefined,
      set_error: s.lastError !== undefined,
      set_stack: s.lastErrorStack !== undefined,
      finished_at: s.finishedAt,
      texts: true,
    };
    if (s.nextRunAt != null) item.next_run_at = s.nextRunAt;
    if (s.dueAt != null) item.due_at = s.dueAt;
    if (s.attempts != null) item.attempts = s.attempts;
    const result = jsonParam(s.result);
    if (result !== null) item.result = result;
    if (s.lastError != null) item.last_error = s.lastError;
    if (s.lastErrorStack != null) item.last_error_stack = s.lastErrorStack;
    if (s.maxAttempts != null) item.max_attempts = s.maxAttempts;
    const h = s.history;
    if (h) {
      const history: Record<string, unknown> = { status: h.status, attempt: h.attempt, started_at: h.startedAt, completed_at: h.completedAt, worker_id: h.workerId };
      if (h.error != null) history.error = h.error;
      if (h.stack != null) history.stack = h.stack;
      const historyResult = jsonParam(h.result);
      if (historyResult !== null) history.result = historyResult;
      item.history = history;
    }
    input.push(item);
  }
  return { json: JSON.stringify(input), count: input.length };
}

/** Per settlement, whether it was applied, from the positions (`i`) the statement returned. */
export function appliedFlags(count: number, applied: Iterable<number | string | null>): boolean[] {
  const flags = new Array<boolean>(count).fill(false);
  for (const i of applied) if (i !== null && Number(i) < count) flags[Number(i)] = true;
  return flags;
}
