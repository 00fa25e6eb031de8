/** /health: the scheduler's health report; 503 when the store does not answer, so a load balancer can act on the status alone. */
import type { Router } from '../router.js';

export function healthRoutes(router: Router): void {
  router.add('GET', '/health', async ({ scheduler }) => {
    const report = await scheduler.health();
    return { status: report.healthy ? 200 : 503, json: report };
  });
}
