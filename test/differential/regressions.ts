/**
 * Sequences the random search once found failing (shrunk by fast-check), replayed on every store on every run
 * so a divergence once fixed stays fixed whatever seed the random search draws. Add each new counterexample
 * here with the fix, with a line on what it caught.
 */
import type { Command } from './commands.js';

export const REGRESSIONS: Array<{ caught: string; commands: Command[] }> = [
  {
    caught: 'merge of groups and dedupe modes: a grouped newcomer queued behind a running job of its key (replace) is skipped before the rotation, taking no turn or room under groupConcurrency, and a group whose only due job waits is served once the key frees',
    commands: [
      { kind: 'insert', jobs: [{ name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: 'k1', repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null, group: 'g1' }, { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: 'k2', repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null, group: 'g3' }] },
      { kind: 'claim', limit: 2, names: null, caps: [], lifetime: 30000, combine: false },
      { kind: 'insert', jobs: [{ name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: 'k1', repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null, group: 'g1', replace: true }, { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: 'k2', repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null, group: 'g3', replace: true }] },
      { kind: 'insert', jobs: [{ name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null, group: 'g1' }, { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null, group: 'g2' }] },
      { kind: 'claim', limit: 4, names: null, caps: [{ name: 'a', groupConcurrency: 2 }], lifetime: 30000, combine: false },
      { kind: 'claim', limit: 4, names: null, caps: [{ name: 'a', groupConcurrency: 2 }], lifetime: 30000, combine: false },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'success', maxAttempts: 1, stale: false }, { pick: 1, outcome: 'success', maxAttempts: 1, stale: false }] },
      { kind: 'claim', limit: 4, names: null, caps: [{ name: 'a', groupConcurrency: 2 }], lifetime: 30000, combine: false },
      { kind: 'advance', ms: 1000 },
      { kind: 'claim', limit: 4, names: null, caps: [{ name: 'a', groupConcurrency: 2 }], lifetime: 30000, combine: false },
    ],
  },
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
    caught: 'not a failure: a directed durable-run path (wait, a payload that does not match, one that does, an event sent before the wait, sleep, trigger of a finished job clearing entries), so every store walks it on every run',
    commands: [
      { kind: 'insert', jobs: [{ name: 'a', data: { z: 1, a: 2 }, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }] },
      { kind: 'insert', jobs: [{ name: 'b', data: 1, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }] },
      { kind: 'claim', limit: 2, names: null, caps: [], lifetime: 30000, combine: false },
      { kind: 'saveStep', pick: 0, key: 'step:s1', value: { z: [1, { y: 2, b: 3 }], a: 'x' }, stale: false },
      { kind: 'suspend', pick: 0, wait: true, event: 'e1', match: { k: 1 }, until: 60000, sinceBack: 0, stale: false },
      { kind: 'sendEvent', name: 'e1', payload: { k: 2 } },
      { kind: 'sendEvent', name: 'e2', payload: { k: 1 } },
      { kind: 'sendEvent', name: 'e1', payload: { z: 'b', k: 1, v: { b: 1, a: 2 } } },
      { kind: 'sendEvent', name: 'e1', payload: { k: 1 } },
      { kind: 'loadSteps', pick: 0 },
      { kind: 'findEvent', name: 'e1', match: { k: 1 }, sinceBack: 100000 },
      { kind: 'sendEvent', name: 'e2', payload: { z: 'a', k: '1' } },
      { kind: 'suspend', pick: 0, wait: true, event: 'e2', match: { k: '1' }, until: 5000, sinceBack: 100000, stale: false },
      { kind: 'suspend', pick: 1, wait: false, event: 'e1', match: null, until: 500, sinceBack: 0, stale: false },
      { kind: 'advance', ms: 1000 },
      { kind: 'claim', limit: 2, names: null, caps: [], lifetime: 30000, combine: false },
      { kind: 'saveStep', pick: 1, key: 'step:s2', value: 7, stale: false },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'success', maxAttempts: 1, stale: false }, { pick: 1, outcome: 'success', maxAttempts: 1, stale: false }] },
      { kind: 'trigger', pick: 0 },
      { kind: 'loadSteps', pick: 0 },
      { kind: 'loadSteps', pick: 1 },
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
  {
    caught: 'Postgres kept a grouped repeating job counted as running in its old group after every() moved it out of the group while it ran, so an ungrouped job of the name was not claimed',
    commands: [
      { kind: 'insert', jobs: [
        { name: 'a', data: {}, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null, trace: null, group: null },
        { name: 'a', data: null, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: 'r2', every: 1000, delay: 0, label: null, timeoutMs: null, trace: null, group: 'g2' },
      ] },
      { kind: 'remove', pick: 0 },
      { kind: 'claim', limit: 1, names: null, caps: [], lifetime: 1000, combine: false },
      { kind: 'advance', ms: 1000 },
      { kind: 'insert', jobs: [
        { name: 'b', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: 'r2', every: 1000, delay: 0, label: null, timeoutMs: null, trace: null, group: null },
        { name: 'a', data: null, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null, trace: null, group: null },
      ] },
      { kind: 'claim', limit: 2, names: null, caps: [], lifetime: 1000, combine: false },
    ],
  },
  {
    caught: 'Redis kept the retention entry of a cancelled flow node at its first cancel time when cancelling its dependency touched it again, so prune took it out of turn (the leading prune switches retention on, as an earlier sequence had)',
    commands: [{"kind": "prune", "cancelled": 0, "history": null, "limit": 1}, {"kind": "insert", "jobs": [{"name": "a", "data": "", "priority": 0, "maxAttempts": null, "dedupeKey": null, "repeatKey": null, "every": 1000, "delay": 0, "label": null, "timeoutMs": null, "trace": null, "dedupeFor": null, "replace": false, "group": "g1"}, {"name": "a", "data": [], "priority": 0, "maxAttempts": null, "dedupeKey": null, "repeatKey": null, "every": 1000, "delay": 0, "label": null, "timeoutMs": null, "trace": null, "dedupeFor": null, "replace": false, "group": "g1"}, {"name": "a", "data": 0, "priority": 0, "maxAttempts": null, "dedupeKey": null, "repeatKey": null, "every": 1000, "delay": 0, "label": null, "timeoutMs": null, "trace": null, "dedupeFor": null, "replace": false, "group": "g1"}]}, {"kind": "insert", "jobs": [{"name": "a", "data": null, "priority": 0, "maxAttempts": null, "dedupeKey": null, "repeatKey": null, "every": 1000, "delay": 0, "label": null, "timeoutMs": null, "trace": null, "dedupeFor": null, "replace": false, "group": null}]}, {"kind": "insert", "jobs": [{"name": "a", "data": [], "priority": 0, "maxAttempts": null, "dedupeKey": null, "repeatKey": null, "every": 1000, "delay": 0, "label": null, "timeoutMs": null, "trace": null, "dedupeFor": null, "replace": false, "group": null}, {"name": "a", "data": "", "priority": 0, "maxAttempts": null, "dedupeKey": null, "repeatKey": null, "every": 1000, "delay": 0, "label": null, "timeoutMs": null, "trace": null, "dedupeFor": null, "replace": false, "group": null}]}, {"kind": "flow", "nodes": [{"spec": {"name": "a", "data": [], "priority": 0, "maxAttempts": null, "dedupeKey": null, "repeatKey": null, "every": 1000, "delay": 0, "label": null, "timeoutMs": null, "trace": null, "dedupeFor": null, "replace": false, "group": null}, "after": [], "run": false}, {"spec": {"name": "a", "data": {}, "priority": 0, "maxAttempts": null, "dedupeKey": null, "repeatKey": null, "every": 1000, "delay": 0, "label": null, "timeoutMs": null, "trace": null, "dedupeFor": null, "replace": false, "group": null}, "after": [0], "run": true}, {"spec": {"name": "a", "data": [], "priority": 0, "maxAttempts": null, "dedupeKey": null, "repeatKey": null, "every": 1000, "delay": 0, "label": null, "timeoutMs": null, "trace": null, "dedupeFor": null, "replace": false, "group": null}, "after": [], "run": false}, {"spec": {"name": "a", "data": null, "priority": 0, "maxAttempts": null, "dedupeKey": null, "repeatKey": null, "every": 1000, "delay": 0, "label": null, "timeoutMs": null, "trace": null, "dedupeFor": null, "replace": false, "group": null}, "after": [], "run": false}]}, {"kind": "cancel", "pick": 7}, {"kind": "cancel", "pick": 16}, {"kind": "prune", "cancelled": 0, "history": null, "limit": 1}, {"kind": "settle", "picks": [{"pick": 0, "outcome": "success", "maxAttempts": 1, "stale": false}]}] as Command[],
  },
  {
    caught: 'retention pruned a failed dependency its cascade-cancelled dependents wait for (rules/flow.ts heldBack): a chain is pruned from its last node back, one level per prune',
    commands: [
      { kind: 'flow', nodes: [{ spec: { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }, after: [], run: false }, { spec: { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }, after: [0], run: false }, { spec: { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }, after: [1], run: false }, { spec: { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }, after: [0], run: true }] },
      { kind: 'claim', limit: 1, names: null, caps: [], lifetime: 30000, combine: false },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'failure', maxAttempts: 1, stale: false }] },
      { kind: 'advance', ms: 10000 },
      { kind: 'prune', completed: 0, failed: 0, cancelled: 0, history: null, limit: 3 },
      { kind: 'prune', completed: 0, failed: 0, cancelled: 0, history: null, limit: 3 },
      { kind: 'prune', completed: 0, failed: 0, cancelled: 0, history: null, limit: 3 },
      { kind: 'prune', completed: 0, failed: 0, cancelled: 0, history: null, limit: 3 },
    ],
  },
  {
    caught: 'retention pruned a failed dependency while a dependent triggered back to blocked waited for it; retrying the dependency then releases the dependent',
    commands: [
      { kind: 'flow', nodes: [{ spec: { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }, after: [], run: false }, { spec: { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }, after: [0], run: false }, { spec: { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }, after: [0, 1], run: false }] },
      { kind: 'claim', limit: 1, names: null, caps: [], lifetime: 30000, combine: false },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'failure', maxAttempts: 1, stale: false }] },
      { kind: 'trigger', pick: 1 },
      { kind: 'advance', ms: 10000 },
      { kind: 'prune', completed: 0, failed: 0, cancelled: 0, history: null, limit: 3 },
      { kind: 'trigger', pick: 0 },
      { kind: 'claim', limit: 1, names: null, caps: [], lifetime: 30000, combine: false },
      { kind: 'settle', picks: [{ pick: 0, outcome: 'success', maxAttempts: 1, stale: false }] },
      { kind: 'claim', limit: 1, names: null, caps: [], lifetime: 30000, combine: false },
      { kind: 'advance', ms: 100 },
    ],
  },
  {
    caught: 'retention pruned a cancelled dependency its cascade-cancelled dependent waits for; the dependent is pruned first and takes the room in limit',
    commands: [
      { kind: 'flow', nodes: [{ spec: { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }, after: [], run: false }, { spec: { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }, after: [0], run: false }, { spec: { name: 'a', data: 0, priority: 0, maxAttempts: null, dedupeKey: null, repeatKey: null, every: 1000, delay: 0, label: null, timeoutMs: null }, after: [], run: false }] },
      { kind: 'cancel', pick: 0 },
      { kind: 'advance', ms: 10000 },
      { kind: 'prune', completed: 0, failed: 0, cancelled: 0, history: null, limit: 1 },
      { kind: 'prune', completed: 0, failed: 0, cancelled: 0, history: null, limit: 3 },
      { kind: 'cancel', pick: 1 },
      { kind: 'prune', completed: 0, failed: 0, cancelled: 0, history: null, limit: 3 },
    ],
  },
];
