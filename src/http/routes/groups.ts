/**
 * GET /groups?name=&name=&limit=: each name's groups with jobs due now or running, biggest first, and what
 * throttles the name (Scheduler.groups), for the dashboard's overview. One bounded store read per name
 * (rules/group-counts.ts) and one count of its running jobs; at most MAX_NAMES names per call.
 */
import { ValidationError } from '../../core/errors.js';
import { assertName } from '../../core/validate.js';
import { assertNoQuery } from '../input.js';
import type { Reply } from '../response.js';
import type { RouteContext, Router } from '../router.js';
import { MAX_NAMES } from './overview.js';

/** Groups shown per name unless ?limit= says otherwise, and the most it may ask. */
export const DEFAULT_GROUPS = 5;
export const MAX_GROUPS = 100;

export function groupRoutes(router: Router): void {
  router.add('GET', '/groups', listGroups);
}

export function parseGroupsQuery(query: URLSearchParams): { names: string[]; limit: number } {
  assertNoQuery(query, ['name', 'limit']);
  const names = [...new Set(query.getAll('name'))];
  if (names.length === 0) throw new ValidationError('name', null, 'give at least one ?name=');
  if (names.length > MAX_NAMES) throw new ValidationError('name', names.length, `at most ${MAX_NAMES} names per call`);
  for (const name of names) assertName(name, 'name');
  const text = query.get('limit');
  let limit = DEFAULT_GROUPS;
  if (text !== null && text !== '') {
    limit = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_GROUPS) throw new ValidationError('limit', text, `must be a whole number from 1 to ${MAX_GROUPS}`);
  }
  return { names, limit };
}

async function listGroups({ scheduler, query }: RouteContext): Promise<Reply> {
  const { names, limit } = parseGroupsQuery(query);
  const data = await Promise.all(names.map((name) => scheduler.groups(name, { limit })));
  return { status: 200, json: { data, limit } };
}
