/** /metrics in the Prometheus text format; see ../metrics.ts for what is measured and how. */
import type { MetricsCollector } from '../metrics.js';
import type { Router } from '../router.js';

export function metricsRoutes(router: Router, metrics: MetricsCollector): void {
  router.add('GET', '/metrics', async () => ({
    status: 200,
    text: await metrics.render(),
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
  }));
}
