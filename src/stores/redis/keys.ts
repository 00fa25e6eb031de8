/**
 * Key layout of one hourglass prefix. Every key starts with `{prefix}:`; the braces make the prefix a Redis
 * Cluster hash tag, so all keys of one prefix live in one slot and a Lua script may touch any of them.
 * The Lua scripts build the same names from the `{prefix}` they receive (see lua/lib.lua); this file is the
 * TypeScript side of that layout and the one place a prefix is validated.
 */
import { ValidationError } from '../../core/errors.js';

/** Letters, digits and `_ - . :`; no braces (they would break the hash tag) and nothing a shell or URL mangles. */
const PREFIX = /^[A-Za-z0-9_.:-]{1,64}$/;

export const DEFAULT_PREFIX = 'hourglass';

export function assertPrefix(value: unknown): string {
  if (typeof value !== 'string' || !PREFIX.test(value)) {
    throw new ValidationError('prefix', value, 'must be 1 to 64 characters of letters, digits, _ - . or : (no braces)');
  }
  return value;
}

/**
 * Job ids are decimal strings of whole numbers (lua/lib.lua reserveIds: at least the server's clock in ms x 1024,
 * so 16 digits today, below 2^53 until 2248); anything else cannot name a job.
 */
const JOB_ID = /^[1-9][0-9]{0,15}$/;

export function isJobId(id: unknown): id is string {
  return typeof id === 'string' && JOB_ID.test(id);
}

export interface Keys {
  /** `{prefix}`: passed to every script, which derives the other names from it. */
  readonly tag: string;
  /** A key of the slot, given as KEYS[1] so a cluster client routes each script to the prefix's node. */
  readonly meta: string;
  readonly wake: string;
  job(id: string): string;
  /** A job's history after its first record; the first records of all jobs share one hash (firstHistory). */
  history(id: string): string;
  readonly firstHistory: string;
  status(status: string): string;
  /** Scheduler processes: a hash id -> ProcessRecord JSON, and a zset id by lastSeenAt (process_put.lua). */
  readonly processes: string;
  readonly processesSeen: string;
  /** Pattern matching every key of the prefix (for tests and cleanup tools only; hourglass never SCANs). */
  readonly pattern: string;
}

export function keysFor(prefix: string): Keys {
  const tag = `{${assertPrefix(prefix)}}`;
  return {
    tag,
    meta: `${tag}:meta`,
    wake: `${tag}:wake`,
    job: (id) => `${tag}:job:${id}`,
    history: (id) => `${tag}:hist:${id}`,
    firstHistory: `${tag}:hist1`,
    // Running jobs are exactly P:locked (lua/lib.lua), which doubles as their status index.
    status: (status) => (status === 'running' ? `${tag}:locked` : `${tag}:s:${status}`),
    processes: `${tag}:processes`,
    processesSeen: `${tag}:processes:seen`,
    pattern: `${tag}:*`,
  };
}
