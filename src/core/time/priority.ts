import { ValidationError } from '../errors.js';
import type { Priority, PriorityName } from '../types.js';
import { MAX_INT32 } from '../validate.js';

/** Named priorities map to numbers; higher runs first. Spaced so numeric priorities can sit between them. */
export const PRIORITIES: Record<PriorityName, number> = { lowest: -20, low: -10, normal: 0, high: 10, highest: 20 };

/** The range of a numeric priority: a 32-bit integer. */
export const MAX_PRIORITY = MAX_INT32;
export const MIN_PRIORITY = -MAX_INT32 - 1;

export function parsePriority(value: Priority | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new ValidationError(field, value, 'must be an integer or one of lowest, low, normal, high, highest', 'INVALID_PRIORITY');
    // Every store keeps it as a 32-bit integer (PostgreSQL's integer column is the narrowest).
    if (value < MIN_PRIORITY || value > MAX_PRIORITY) throw new ValidationError(field, value, `must be between ${MIN_PRIORITY} and ${MAX_PRIORITY}`, 'INVALID_PRIORITY');
    return value;
  }
  if (typeof value === 'string' && Object.hasOwn(PRIORITIES, value)) return PRIORITIES[value as PriorityName];
  throw new ValidationError(field, value, 'must be one of lowest, low, normal, high, highest, or an integer', 'INVALID_PRIORITY');
}
