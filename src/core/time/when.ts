/**
 * "When" values for schedule(): Date, epoch ms, ISO string, or English such as 'in 20 minutes',
 * 'at 5:00pm', 'tomorrow at 9am' (parsed by chrono-node, in the scheduler's time zone, never in the past
 * when a bare time of day is given: 'at 5:00pm' after 5pm means tomorrow).
 */
import { createRequire } from 'node:module';
import { InvalidTimeError } from '../errors.js';
import { looksLikeDuration, parseDuration } from './duration.js';
import { offsetMinutes } from './timezone.js';

type English = typeof import('chrono-node/en');
let english: English['casual'] | null = null;

/**
 * chrono-node's English parser (chrono.parse is this one), loaded on the first English time and only its
 * locale: the package's index loads a dozen locales, about 20 MB resident in every process (issue 16), which a
 * worker that never parses an English time should not carry. Loaded synchronously (its CommonJS build), as
 * parseWhen is synchronous.
 */
function casual(): English['casual'] {
  return (english ??= (createRequire(import.meta.url)('chrono-node/en') as English).casual);
}

const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function parseWhen(value: unknown, field: string, now: number, timezone = 'UTC'): number {
  if (value instanceof Date) {
    const t = value.getTime();
    if (Number.isNaN(t)) throw new InvalidTimeError(field, value, 'is an Invalid Date');
    return t;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new InvalidTimeError(field, value, 'must be a finite epoch time in ms');
    return Math.round(value);
  }
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidTimeError(field, value);
  const text = value.trim();
  if (ISO.test(text)) {
    const t = Date.parse(text);
    if (Number.isNaN(t)) throw new InvalidTimeError(field, value);
    return t;
  }
  // 'now', and a bare duration ('5m', '20 minutes') read as "from now".
  if (/^now$/i.test(text)) return now;
  if (looksLikeDuration(text)) return now + parseDuration(text, field);
  const parsed = parseHuman(text, now, timezone);
  if (parsed === null) throw new InvalidTimeError(field, value);
  return parsed;
}

function parseHuman(text: string, now: number, timezone: string): number | null {
  const instant = new Date(now);
  const first = parseWhole(text, instant, offsetMinutes(timezone, instant));
  if (first === null) return null;
  // The offset at the parsed time can differ from the offset now (a DST change in between): parse again with it.
  const offsetThen = offsetMinutes(timezone, first);
  if (offsetThen === offsetMinutes(timezone, instant)) return first.getTime();
  return (parseWhole(text, instant, offsetThen) ?? first).getTime();
}

/**
 * chrono finds dates inside longer text ('the day after never' yields 'the day after'); a schedule must be
 * nothing but a time, so anything left over other than a filler word makes the whole value invalid.
 */
function parseWhole(text: string, instant: Date, offset: number): Date | null {
  const [result] = casual().parse(text, { instant, timezone: offset }, { forwardDate: true });
  if (!result) return null;
  const rest = `${text.slice(0, result.index)} ${text.slice(result.index + result.text.length)}`.trim();
  if (rest !== '' && !/^(at|on|in|the)$/i.test(rest)) return null;
  return result.date();
}
