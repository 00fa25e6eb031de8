/**
 * Sequences the random search once found failing (shrunk by fast-check), replayed on every store on every run
 * so a divergence once fixed stays fixed whatever seed the random search draws. Add each new counterexample
 * here with the fix, with a line on what it caught.
 */
import type { Command } from './commands.js';

export const REGRESSIONS: Array<{ caught: string; commands: Command[] }> = [
  {
    caught: 'Postgres wrote the history records of lost runs in no particular order (prune takes them by insertion)',
    commands: [
      { kind: 'insert', jobs: [{ name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }] },
      { kind: 'insert', jobs: [{ name: 'b', data: null, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }] },
      { kind: 'cancel', pick: 0 },
      { kind: 'claim', limit: 1, names: null, caps: [], lifetime: 1000, combine: false },
      { kind: 'insert', jobs: [{ name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }] },
      { kind: 'claim', limit: 1, names: null, caps: [], lifetime: 1000, combine: false },
      { kind: 'advance', ms: 10000 },
      { kind: 'claim', limit: 0, names: null, caps: [], lifetime: 1000, combine: false },
      { kind: 'prune', history: 0, limit: 1 },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'success', maxAttempts: 1, stale: false }] },
    ],
  },
  {
    caught: 'two finished jobs within their dedupeFor periods (a replace newcomer had one too): every store must answer the one whose period ends last',
    commands: [
      { kind: 'insert', jobs: [{ name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: 'k1', repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null, dedupeFor: 60000 }] },
      { kind: 'claim', limit: 1, names: null, caps: [], lifetime: 30000, combine: false },
      { kind: 'insert', jobs: [{ name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: 'k1', repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null, dedupeFor: 3000, replace: true }] },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'success', maxAttempts: 1, stale: false }] },
      { kind: 'claim', limit: 1, names: null, caps: [], lifetime: 30000, combine: false },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'success', maxAttempts: 1, stale: false }] },
      { kind: 'insert', jobs: [{ name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: 'k1', repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null, dedupeFor: null }] },
      { kind: 'trigger', pick: 1 },
      { kind: 'trigger', pick: 0 },
    ],
  },
  {
    caught: 'Postgres answered the copy of a settlement sent twice in one batch "lost" (the rules apply the first, then answer the copy "applied")',
    commands: [
      { kind: 'insert', jobs: [{ name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }] },
      { kind: 'claim', limit: 4, names: null, caps: [], lifetime: 1000, combine: false },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'success', maxAttempts: 1, stale: false }, { pick: 0, outcome: 'success', maxAttempts: 1, stale: false }] },
    ],
  },
  {
    caught: 'Postgres answered a settle resent by an earlier run "applied" after a later run of the job had settled in the same batch',
    commands: [
      { kind: 'insert', jobs: [{ name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }] },
      { kind: 'claim', limit: 4, names: null, caps: [], lifetime: 1000, combine: false },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'release', maxAttempts: 1, stale: false }] },
      { kind: 'claim', limit: 2, names: null, caps: [], lifetime: 1000, combine: false },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'success', maxAttempts: 1, stale: false }, { pick: 0, outcome: 'success', maxAttempts: 1, stale: true }] },
    ],
  },
  {
    caught: 'Postgres wrote the history records of one settle batch in id order rather than the batch order (prune takes them by insertion)',
    commands: [
      { kind: 'insert', jobs: [
        { name: 'a', data: '', priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null },
        { name: 'a', data: {}, priority: 5, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null },
        { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null },
      ] },
      { kind: 'claim', limit: 4, names: null, caps: [], lifetime: 1000, combine: false },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'success', maxAttempts: 1, stale: false }, { pick: 4, outcome: 'success', maxAttempts: 1, stale: false }] },
      { kind: 'prune', history: 0, limit: 1 },
      { kind: 'list', limit: 1, offset: 0 },
    ],
  },
];
