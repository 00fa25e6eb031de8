/**
 * A process whose Scheduler cannot reach Redis (redis.startup.test.ts). Usage (with `node --import tsx`):
 *   redis.startup-child.ts <redis url>
 * start() must reject, stop() must release everything, and then the process must exit by itself: it prints
 * one JSON line and sets no timer or handle of its own, so whatever keeps it alive afterwards is ours.
 */
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { RedisStore } from '../../src/stores/redis/index.js';

/** Resources of the pipes stdio travels over (and tsx's own), not of the store. */
const STDIO = new Set(['PipeWrap', 'TTYWrap']);

const started = Date.now();
const scheduler = new Scheduler({ store: new RedisStore({ url: process.argv[2]! }), logger: silentLogger });
const error = (await scheduler.start().then(() => null, (e: unknown) => e)) as { code?: string; message?: string } | null;
const failedAfterMs = Date.now() - started;
await scheduler.stop();
const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles().filter((h) => !isStdio(h));
process.stdout.write(`${JSON.stringify({ code: error?.code ?? null, message: error?.message ?? null, failedAfterMs, handles: handles.map((h) => h.constructor.name), resources: process.getActiveResourcesInfo().filter((r) => !STDIO.has(r)) })}\n`);

function isStdio(handle: object): boolean {
  const fd = (handle as { fd?: number; _handle?: { fd?: number } }).fd ?? (handle as { _handle?: { fd?: number } })._handle?.fd;
  return fd === 0 || fd === 1 || fd === 2;
}
