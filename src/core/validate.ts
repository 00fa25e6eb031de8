/** Input checks shared by the scheduler's methods. Each throws a ValidationError naming the field and value. */
import { InvalidDataError, ValidationError } from './errors.js';
import type { Json } from './types.js';

export function assertName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(field, value, 'must be a non-empty string');
  if (value.length > 512) throw new ValidationError(field, value, 'must be at most 512 characters');
  return assertStorableText(value, field);
}

export function assertOptionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw new ValidationError(field, value, 'must be a non-empty string');
  return assertStorableText(value, field);
}

/**
 * Text a job is found or shown by (names, keys, labels, groups, step ids, event names, search text) must come
 * back from every store as it went in. PostgreSQL's text cannot hold U+0000, and every store sends text as
 * UTF-8, in which a lone UTF-16 surrogate becomes U+FFFD: one store would refuse such a name and the others
 * would answer with a different one, so none accepts it.
 */
export function assertStorableText(value: string, field: string): string {
  if (value.includes('\u0000')) throw new ValidationError(field, value, 'must not contain the character U+0000');
  if (!isWellFormed(value)) throw new ValidationError(field, value, 'must not contain a lone UTF-16 surrogate (half of a character)');
  return value;
}

/** String.prototype.isWellFormed (Node 20), which the ES2023 typings do not declare. */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** A whole number ≥ min (attempts ≥ 1, concurrency ≥ 1, limits ≥ 0 ...), and ≤ max when given. */
export function assertInt(value: unknown, field: string, min: number, max?: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ValidationError(field, value, `must be a whole number ≥ ${min}`);
  }
  if (max !== undefined && value > max) throw new ValidationError(field, value, `must be a whole number from ${min} to ${max}`);
  return value;
}

/** The largest count a store keeps as a 32-bit integer (attempts; PostgreSQL's integer column is the narrowest). */
export const MAX_INT32 = 2_147_483_647;

export function optionalInt(value: unknown, field: string, min: number): number | undefined {
  return value === undefined ? undefined : assertInt(value, field, min);
}

/**
 * Job data must survive JSON unchanged: plain objects, arrays, strings, finite numbers, booleans, null.
 * Rejects BigInt, functions, symbols, cycles, NaN/Infinity, Dates, Maps and other class instances
 * (JSON would silently turn them into something else). Object properties that are undefined are dropped,
 * as JSON does; that loses nothing.
 */
export function assertJson(value: unknown, field: string): Json {
  if (value === undefined) return null;
  check(value, field, new Set(), 0);
  return value as Json;
}

/**
 * How deeply arrays and objects may nest in job data, progress and event payloads. Deeper values met a
 * RangeError (this walk's stack, or JSON.stringify's at ~5,000 levels) instead of a typed error; 1,000 is the
 * limit SQLite's JSON functions and Redis's cjson apply too, far beyond what a job's data needs.
 */
export const MAX_JSON_DEPTH = 1000;

function check(value: unknown, path: string, seen: Set<object>, depth: number): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidDataError(path, value, 'JSON cannot store NaN or Infinity');
      return;
    case 'bigint':
      throw new InvalidDataError(path, value, 'JSON cannot store a BigInt; pass it as a string');
    case 'function':
      throw new InvalidDataError(path, value, 'JSON cannot store a function');
    case 'symbol':
      throw new InvalidDataError(path, value, 'JSON cannot store a symbol');
    case 'undefined':
      throw new InvalidDataError(path, value, 'JSON cannot store undefined inside an array');
  }
  if (value === null) return;
  const object = value as object;
  if (depth >= MAX_JSON_DEPTH) {
    const at = path.length > 80 ? `${path.slice(0, 80)}…` : path;
    throw new InvalidDataError(at, Array.isArray(object) ? '[…]' : '{…}', `arrays and objects may nest at most ${MAX_JSON_DEPTH} levels deep`);
  }
  if (seen.has(object)) throw new InvalidDataError(path, '[Circular]', 'JSON cannot store a circular reference');
  if (Array.isArray(object)) {
    seen.add(object);
    object.forEach((item, i) => check(item, `${path}[${i}]`, seen, depth + 1));
    seen.delete(object);
    return;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    const kind = object.constructor?.name ?? 'object';
    const hint = object instanceof Date ? '; pass date.toISOString() instead' : '';
    throw new InvalidDataError(path, value, `JSON cannot round-trip a ${kind}${hint}`);
  }
  seen.add(object);
  for (const [key, item] of Object.entries(object)) {
    if (item === undefined) continue;
    check(item, `${path}.${key}`, seen, depth + 1);
  }
  seen.delete(object);
}

/** Best-effort JSON copy of a handler's return value (results are never a reason to fail a job). */
export function toJsonValue(value: unknown): { value: Json; ok: boolean } {
  if (value === undefined) return { value: null, ok: true };
  try {
    const text = JSON.stringify(value);
    return { value: text === undefined ? null : (JSON.parse(text) as Json), ok: true };
  } catch {
    return { value: null, ok: false };
  }
}
