/**
 * Durable runs on Redis (src/core/rules/steps.ts): the writes are Lua scripts (step_save, step_clear,
 * step_suspend, event_send; key layout in lua/shared/steps.lua), the reads plain commands on one key each.
 */
import type { Redis } from 'ioredis';
import { compareSteps, EVENT_RETENTION_MS, firstMatch } from '../../core/rules/steps.js';
import type { SentEvent, StepRecord, Suspension } from '../../core/store.js';
import type { Json } from '../../core/types.js';
import { settleArgs } from './args.js';
import { isJobId } from './keys.js';
import type { Arg } from './scripts.js';

export function stepsKey(tag: string, id: string): string {
  return `${tag}:steps:${id}`;
}

export async function loadSteps(client: Redis, tag: string, id: string): Promise<StepRecord[]> {
  if (!isJobId(id)) return [];
  const entries = await client.hvals(stepsKey(tag, id));
  return entries.map((text) => JSON.parse(text) as StepRecord).sort(compareSteps);
}

export async function findEvent(client: Redis, tag: string, name: string, match: Record<string, Json> | undefined, since: number): Promise<SentEvent | null> {
  const flat = await client.zrangebyscore(`${tag}:events:${name}`, since, '+inf', 'WITHSCORES');
  const events: SentEvent[] = [];
  for (let i = 0; i < flat.length; i += 2) events.push({ name, payload: JSON.parse(flat[i]!.slice(17)) as Json, sentAt: Number(flat[i + 1]) });
  return firstMatch(events, name, match, since);
}

export function suspendArgs(tag: string, s: Suspension): Arg[] {
  const step = s.step;
  const waiting = step.kind === 'wait' && step.state === 'waiting';
  return [
    tag,
    ...settleArgs([s]),
    step.key,
    JSON.stringify(step),
    waiting ? '1' : '0',
    step.event ?? '',
    step.match !== undefined ? JSON.stringify(step.match) : '',
    step.since ?? 0,
  ];
}

export function sendEventArgs(tag: string, name: string, payload: Json, now: number): Arg[] {
  return [tag, name, JSON.stringify(payload), now, now - EVENT_RETENTION_MS];
}
