/**
 * POST /flows: a workflow graph (Scheduler.flow, docs/workflows.md) in one request, stored atomically.
 * Body `{ nodes: [{ key, name, data?, after?, onDependencyFailure?, runAt?, delay?, priority?, attempts?, ... }] }`;
 * answers 201 `{ jobs: { [key]: job } }`. A bad graph (cycle, duplicate key, unknown `after`) is 400 INVALID_FLOW
 * naming the node, and nothing is stored.
 */
import { ValidationError } from '../../core/errors.js';
import type { FlowNode } from '../../core/types.js';
import { assertNoQuery } from '../input.js';
import { toHttpJob } from '../job-view.js';
import type { Reply } from '../response.js';
import type { RouteContext, Router } from '../router.js';

export function flowRoutes(router: Router): void {
  router.add('POST', '/flows', create);
}

async function create({ scheduler, body, query }: RouteContext): Promise<Reply> {
  assertNoQuery(query);
  const input = await body();
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new ValidationError('body', input, 'must be an object { nodes: [...] }', 'INVALID_BODY');
  const { nodes, ...rest } = input as { nodes?: unknown };
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new ValidationError(extra, (rest as Record<string, unknown>)[extra], 'unknown field; expected nodes', 'UNKNOWN_FIELD');
  const jobs = await scheduler.flow(nodes as FlowNode[]);
  return { status: 201, json: { jobs: Object.fromEntries(Object.entries(jobs).map(([key, job]) => [key, toHttpJob(job)])) } };
}
