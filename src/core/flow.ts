/**
 * From the nodes users pass to flow() (and ctx.flow()) to the jobs of Store.insertFlow: each node validated
 * as schedule()'s object form is, the graph checked (duplicate keys, `after` naming no node, cycles: an
 * InvalidFlowError naming the key, before anything is stored), and the nodes put in dependency order (each
 * after all it depends on; otherwise in the order given), so a store inserts them front to back in one pass.
 * Linear in nodes + edges (Kahn's algorithm).
 */
import { InvalidFlowError, ValidationError } from './errors.js';
import { assertObject, fromSpec, type NormaliseContext } from './normalise.js';
import type { FlowInfo, FlowJob } from './store.js';
import type { FlowNode, ScheduleSpec } from './types.js';
import { assertStorableText } from './validate.js';

/** Most nodes in one flow() call: one store operation holds the whole graph. */
export const MAX_FLOW_NODES = 50_000;

export function flowJobs(nodes: unknown, field: string, ctx: NormaliseContext): FlowJob[] {
  if (!Array.isArray(nodes) || nodes.length === 0) throw new ValidationError(field, nodes, 'must be a non-empty array of nodes');
  if (nodes.length > MAX_FLOW_NODES) throw new ValidationError(field, nodes.length, `holds more than ${MAX_FLOW_NODES} nodes`);
  const index = new Map<string, number>();
  const parsed = nodes.map((value, i) => {
    const at = `${field}[${i}]`;
    const { key, after, onDependencyFailure, ...spec } = assertObject(value, at) as unknown as FlowNode & { repeat?: unknown };
    if (typeof key !== 'string' || key === '' || key.length > 200) throw new ValidationError(`${at}.key`, key, 'must be a non-empty string of at most 200 characters');
    assertStorableText(key, `${at}.key`);
    if (index.has(key)) throw new InvalidFlowError(`${at}.key`, key, `duplicate key: nodes ${index.get(key)} and ${i} are both "${key}"`);
    index.set(key, i);
    if (spec.repeat !== undefined) throw new ValidationError(`${at}.repeat`, spec.repeat, 'a workflow node runs once: use every() for a repeating job');
    if (after !== undefined && (!Array.isArray(after) || after.some((k) => typeof k !== 'string'))) throw new ValidationError(`${at}.after`, after, 'must be an array of node keys');
    if (new Set(after ?? []).size !== (after ?? []).length) throw new InvalidFlowError(`${at}.after`, key, `node "${key}" lists a dependency twice`);
    if (onDependencyFailure !== undefined && onDependencyFailure !== 'cancel' && onDependencyFailure !== 'run') {
      throw new ValidationError(`${at}.onDependencyFailure`, onDependencyFailure, "must be 'cancel' or 'run'");
    }
    const job = fromSpec(spec as ScheduleSpec, at, ctx);
    if (job.dedupeKey !== null && (after ?? []).length > 0) {
      // A blocked job holds no dedupe key; its release must never meet a live holder of it.
      throw new ValidationError(`${at}.dedupeKey`, job.dedupeKey, 'only a node without `after` may have a dedupeKey');
    }
    // Dedupe modes (rules/dedupe.ts) are not defined for flow nodes: a node takes its key's live holder only.
    if (job.dedupeForMs !== undefined && job.dedupeForMs !== null) throw new ValidationError(`${at}.dedupeFor`, (spec as { dedupeFor?: unknown }).dedupeFor, 'is not supported on a workflow node');
    if (job.replace === true) throw new ValidationError(`${at}.replace`, true, 'is not supported on a workflow node');
    return { key, after: after ?? [], run: onDependencyFailure === 'run', job };
  });
  for (const [i, node] of parsed.entries()) {
    for (const dep of node.after) {
      if (!index.has(dep)) throw new InvalidFlowError(`${field}[${i}].after`, node.key, `node "${node.key}" runs after "${dep}", which is no node of this flow`);
    }
  }
  // Kahn's algorithm: a node goes once every node it runs after has gone; what never goes is on a cycle.
  const waiting = parsed.map((node) => node.after.length);
  const dependents = parsed.map((): number[] => []);
  parsed.forEach((node, i) => node.after.forEach((dep) => dependents[index.get(dep)!]!.push(i)));
  const order: number[] = [];
  const ready = parsed.flatMap((_, i) => (waiting[i] === 0 ? [i] : []));
  for (let head = 0; head < ready.length; head++) {
    const i = ready[head]!;
    order.push(i);
    for (const d of dependents[i]!) if (--waiting[d]! === 0) ready.push(d);
  }
  if (order.length < parsed.length) {
    // A node left waits for another left; walking those links must come back round: to a node on a cycle.
    const seen = new Set<number>();
    let stuck = parsed.findIndex((_, i) => waiting[i]! > 0);
    while (!seen.has(stuck)) {
      seen.add(stuck);
      stuck = index.get(parsed[stuck]!.after.find((dep) => waiting[index.get(dep)!]! > 0)!)!;
    }
    throw new InvalidFlowError(`${field}[${stuck}].after`, parsed[stuck]!.key, `node "${parsed[stuck]!.key}" is on a cycle: it depends, through its dependencies, on itself`);
  }
  const position = new Map(order.map((i, p) => [i, p]));
  return order.map((i): FlowJob => {
    const node = parsed[i]!;
    const flow: FlowInfo = { key: node.key };
    if (node.run) flow.onDependencyFailure = 'run';
    if (dependents[i]!.length > 0) flow.dependents = true;
    return { ...node.job, flow, after: node.after.map((dep) => position.get(index.get(dep)!)!) };
  });
}
