/**
 * bench/core/timeline: when a worker's store calls are in flight, for node-cost.ts --timeline. It answers what the
 * CPU figures cannot: whether claims and settles overlap each other and the handlers, or take turns. Session 21
 * found a PostgreSQL worker's claim of 500 and the previous batch's settle in flight together 94-96 % of a run
 * while the worker's event loop was busy about half of it (docs/performance.md, "What the unmet goals would take").
 */
import { median } from '../harness/stats.js';

/** One call: when it was made and when its promise settled (performance.now(), ms). */
export type Span = readonly [start: number, end: number];

/** Total time (ms) covered by at least one of the spans. */
export function covered(spans: readonly Span[]): number {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let from = -Infinity;
  let to = -Infinity;
  for (const [start, end] of sorted) {
    if (start > to) {
      if (to > from) total += to - from;
      from = start;
      to = end;
    } else if (end > to) {
      to = end;
    }
  }
  if (to > from) total += to - from;
  return total;
}

/**
 * One line: per kind of call its median duration and the share of the run it was in flight, the share with any
 * of them in flight, and how busy the event loop was (performance.eventLoopUtilization over the run).
 */
export function describe(spans: Readonly<Record<string, readonly Span[]>>, wallMs: number, eventLoopBusy: number): string {
  const kinds = Object.entries(spans).filter(([, list]) => list.length > 0);
  const pct = (ms: number) => `${Math.round((ms / wallMs) * 100)} %`;
  const parts = kinds.map(([kind, list]) => `${kind} ${median(list.map(([s, e]) => e - s)).toFixed(1)} ms, in flight ${pct(covered(list))}`);
  const any = covered(kinds.flatMap(([, list]) => list));
  return `${parts.join('; ')}; any in flight ${pct(any)}; event loop busy ${Math.round(eventLoopBusy * 100)} %`;
}
