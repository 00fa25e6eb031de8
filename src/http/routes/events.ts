/**
 * /events/:name: scheduler.sendEvent over HTTP (docs/durable-steps.md), so a webhook from another system can wake
 * the jobs waiting for it. Body: the payload (any JSON; empty is null). Answers `{ woken }`.
 */
import type { Reply } from '../response.js';
import type { RouteContext, Router } from '../router.js';

export function eventRoutes(router: Router): void {
  router.add('POST', '/events/:name', sendEvent);
}

async function sendEvent({ scheduler, params, body }: RouteContext): Promise<Reply> {
  const payload = await body();
  const woken = await scheduler.sendEvent(params.name!, payload === undefined ? null : (payload as never));
  return { status: 200, json: { woken } };
}
