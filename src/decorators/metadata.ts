/**
 * Where decorators leave what they learned, without reflect-metadata.
 *
 * The two decorator flavours hand us different things, so each has its own path to the same GroupMeta:
 * - legacy (`experimentalDecorators`): a method decorator receives the class prototype, so entries are kept
 *   in a WeakMap keyed by that prototype, and @cron (which receives the constructor) reads them from there.
 * - TC39 standard: a method decorator never sees its class. All decorators of one class share
 *   `context.metadata`, which compilers create only when `Symbol.metadata` exists; Node 20 lacks it, so we
 *   install the same polyfill TypeScript's handbook and esbuild use (see installMetadataSymbol). Should a
 *   compiler still hand us no metadata object, entries wait in a pending list that @cron claims by identity
 *   (the very function now on its prototype).
 * Everything is held weakly, so a class that is dropped takes its metadata with it.
 */
import type { JobSchedule } from './schedule.js';

export interface MethodEntry {
  kind: 'job' | 'query';
  /** The job name given to the decorator. */
  name: string;
  methodName: string | symbol;
  /** The function as it was decorated (TC39 fallback matching). */
  method: Function;
  /** How it was written, for messages: '@daily("cleanup")'. */
  written: string;
  /** For kind 'job': when and how it runs. */
  schedule?: JobSchedule;
}

export interface GroupMeta {
  group: string;
  entries: MethodEntry[];
}

const groups = new WeakMap<Function, GroupMeta>();
const byPrototype = new WeakMap<object, MethodEntry[]>();
const byContextMetadata = new WeakMap<object, MethodEntry[]>();
const pending = new Set<MethodEntry>();

/**
 * TypeScript emits `context.metadata` only when `Symbol.metadata` is defined at class-definition time.
 * Defining it (to the registered symbol esbuild already uses) before user classes are evaluated gives every
 * TC39-decorated class a metadata object shared by its decorators. `??=` keeps an existing polyfill.
 */
export function installMetadataSymbol(): void {
  const symbols = Symbol as unknown as { metadata?: symbol };
  if (symbols.metadata === undefined) {
    try {
      Object.defineProperty(Symbol, 'metadata', { value: Symbol.for('Symbol.metadata'), configurable: true, writable: false });
    } catch {
      // A frozen Symbol: the pending-list fallback still works.
    }
  }
}

export function addLegacyEntry(prototype: object, entry: MethodEntry): void {
  const list = byPrototype.get(prototype) ?? [];
  list.push(entry);
  byPrototype.set(prototype, list);
}

export function addStandardEntry(metadata: object | undefined, entry: MethodEntry): void {
  if (metadata && typeof metadata === 'object') {
    const list = byContextMetadata.get(metadata) ?? [];
    list.push(entry);
    byContextMetadata.set(metadata, list);
  } else {
    pending.add(entry);
  }
}

/** Entries recorded for a TC39-decorated class (by its metadata object, else claimed from the pending list). */
export function takeStandardEntries(ctor: Function, metadata: object | undefined): MethodEntry[] {
  const fromMetadata = metadata && typeof metadata === 'object' ? byContextMetadata.get(metadata) : undefined;
  if (fromMetadata) return [...fromMetadata];
  const claimed: MethodEntry[] = [];
  for (const entry of pending) {
    if (ownMethod(ctor.prototype, entry.methodName) === entry.method) {
      claimed.push(entry);
      pending.delete(entry);
    }
  }
  return claimed;
}

export function legacyEntries(ctor: Function): MethodEntry[] {
  return [...(byPrototype.get(ctor.prototype) ?? [])];
}

export function setGroup(ctor: Function, meta: GroupMeta): void {
  groups.set(ctor, meta);
}

export function groupOf(ctor: Function): GroupMeta | undefined {
  return groups.get(ctor);
}

/**
 * True when a class has job decorators but no @cron: lets registerJobs say "add @cron" rather than a vaguer
 * "not a job group".
 */
export function hasUngroupedEntries(ctor: Function): boolean {
  if (byPrototype.has(ctor.prototype)) return true;
  const key = (Symbol as unknown as { metadata?: symbol }).metadata ?? Symbol.for('Symbol.metadata');
  const metadata = (ctor as unknown as Record<symbol, unknown>)[key];
  if (metadata && typeof metadata === 'object' && byContextMetadata.has(metadata)) return true;
  for (const entry of pending) if (ownMethod(ctor.prototype, entry.methodName) === entry.method) return true;
  return false;
}

function ownMethod(prototype: unknown, key: string | symbol): unknown {
  if (!prototype || typeof prototype !== 'object') return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
  return descriptor?.value;
}
