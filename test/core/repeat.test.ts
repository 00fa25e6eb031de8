/** Repeat arithmetic with a fake clock: non-drifting intervals, cron in time zones, DST days, catch-up. */
import { describe, expect, it } from 'vitest';
import { firstOccurrence, MAX_CATCH_UP, nextOccurrence, normaliseRepeat, occurrenceAfter } from '../../src/core/time/repeat.js';
import { parseWhen } from '../../src/core/time/when.js';
import { backoffDelay } from '../../src/core/outcome.js';

const iso = (ms: number) => new Date(ms).toISOString();
const t = (s: string) => Date.parse(s);

describe('intervals', () => {
  it('computes the next due time from the previous due time, not the finish time', () => {
    const spec = normaliseRepeat({ every: '5m' }, 'repeat', 'UTC')!;
    const due = t('2026-01-01T00:00:00Z');
    expect(iso(nextOccurrence(spec, due, due + 42_000))).toBe('2026-01-01T00:05:00.000Z');
  });

  it('skips missed occurrences to the first one after now, on the same grid', () => {
    const spec = normaliseRepeat({ every: 60_000 }, 'repeat', 'UTC')!;
    const due = t('2026-01-01T00:00:00Z');
    expect(iso(nextOccurrence(spec, due, t('2026-01-01T03:07:30Z')))).toBe('2026-01-01T03:08:00.000Z');
    expect(iso(nextOccurrence(spec, due, t('2026-01-01T03:08:00Z')))).toBe('2026-01-01T03:09:00.000Z');
  });

  it('catches up every missed occurrence with catchUp all, at most MAX_CATCH_UP behind', () => {
    const spec = normaliseRepeat({ every: 60_000, catchUp: 'all' }, 'repeat', 'UTC')!;
    const due = t('2026-01-01T00:00:00Z');
    expect(iso(nextOccurrence(spec, due, due + 10 * 60_000))).toBe('2026-01-01T00:01:00.000Z');
    const now = due + 1000 * 60_000 + 5;
    expect(nextOccurrence(spec, due, now)).toBe(due + (1000 - MAX_CATCH_UP + 1) * 60_000);
  });

  it('does not consume the next occurrence when a run was triggered early', () => {
    const spec = normaliseRepeat({ every: '1h' }, 'repeat', 'UTC')!;
    const due = t('2026-01-01T10:00:00Z');
    expect(nextOccurrence(spec, due, t('2026-01-01T09:30:00Z'))).toBe(due);
  });

  it('runs at once on creation unless told to wait one interval', () => {
    const spec = normaliseRepeat({ every: '10s' }, 'repeat', 'UTC')!;
    expect(firstOccurrence(spec, 1000)).toBe(1000);
    expect(firstOccurrence(spec, 1000, true)).toBe(11_000);
  });
});

describe('cron', () => {
  it('follows the time zone (Asia/Kolkata is UTC+5:30)', () => {
    const spec = normaliseRepeat({ cron: '0 9 * * *', timezone: 'Asia/Kolkata' }, 'repeat', 'UTC')!;
    expect(iso(occurrenceAfter(spec, t('2026-06-01T00:00:00Z')))).toBe('2026-06-01T03:30:00.000Z');
  });

  it('supports six fields (seconds) and lists, ranges and steps', () => {
    const six = normaliseRepeat({ cron: '*/15 * * * * *' }, 'repeat', 'UTC')!;
    expect(iso(occurrenceAfter(six, t('2026-06-01T00:00:01Z')))).toBe('2026-06-01T00:00:15.000Z');
    const business = normaliseRepeat({ cron: '*/15 9-17 * * 1-5' }, 'repeat', 'UTC')!;
    expect(iso(occurrenceAfter(business, t('2026-06-06T12:00:00Z')))).toBe('2026-06-08T09:00:00.000Z'); // Saturday → Monday
    const semi = normaliseRepeat({ cron: '30 2 1,15 * *' }, 'repeat', 'UTC')!;
    expect(iso(occurrenceAfter(semi, t('2026-06-02T00:00:00Z')))).toBe('2026-06-15T02:30:00.000Z');
  });

  it('supports the advanced forms: last day (L), nth weekday (5#2), last weekday of month (1L), nearest weekday (W)', () => {
    const at = (cron: string, from: string, timezone = 'UTC') => iso(occurrenceAfter(normaliseRepeat({ cron, timezone }, 'repeat', 'UTC')!, t(from)));
    expect(at('0 9 L * *', '2026-02-10T00:00:00Z')).toBe('2026-02-28T09:00:00.000Z');
    expect(at('0 9 * * 5#2', '2026-12-01T00:00:00Z')).toBe('2026-12-11T09:00:00.000Z'); // second Friday
    expect(at('0 9 * * 1L', '2026-11-01T00:00:00Z')).toBe('2026-11-30T09:00:00.000Z'); // last Monday
    expect(at('0 0 15W * *', '2026-08-01T00:00:00Z')).toBe('2026-08-14T00:00:00.000Z'); // the 15th is a Saturday
    expect(at('0 9 L * *', '2026-02-10T00:00:00Z', 'Europe/Berlin')).toBe('2026-02-28T08:00:00.000Z');
  });

  describe('America/New_York daylight saving', () => {
    it('spring forward (2026-03-08): 02:30 does not exist and runs once, at 03:00 EDT; the day after is normal', () => {
      const spec = normaliseRepeat({ cron: '30 2 * * *', timezone: 'America/New_York' }, 'repeat', 'UTC')!;
      const onTheDay = occurrenceAfter(spec, t('2026-03-07T12:00:00Z'));
      expect(iso(onTheDay)).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
      expect(iso(occurrenceAfter(spec, onTheDay))).toBe('2026-03-09T06:30:00.000Z'); // 02:30 EDT
    });

    it('spring forward: hourly jobs skip the missing hour without running twice', () => {
      const spec = normaliseRepeat({ cron: '0 * * * *', timezone: 'America/New_York' }, 'repeat', 'UTC')!;
      const runs: string[] = [];
      let at = t('2026-03-08T05:30:00Z'); // 00:30 EST
      for (let i = 0; i < 4; i++) runs.push(iso((at = occurrenceAfter(spec, at))));
      expect(runs).toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z', '2026-03-08T09:00:00.000Z']);
    });

    it('fall back (2026-11-01): 01:30 happens twice on the clock and runs once, at the first', () => {
      const spec = normaliseRepeat({ cron: '30 1 * * *', timezone: 'America/New_York' }, 'repeat', 'UTC')!;
      const first = occurrenceAfter(spec, t('2026-10-31T12:00:00Z'));
      expect(iso(first)).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
      expect(iso(occurrenceAfter(spec, first))).toBe('2026-11-02T06:30:00.000Z'); // next day, 01:30 EST
    });

    it('a daily 9am job stays at 9am local across both changes', () => {
      const spec = normaliseRepeat({ cron: '0 9 * * *', timezone: 'America/New_York' }, 'repeat', 'UTC')!;
      expect(iso(occurrenceAfter(spec, t('2026-03-07T15:00:00Z')))).toBe('2026-03-08T13:00:00.000Z');
      expect(iso(occurrenceAfter(spec, t('2026-03-08T14:00:00Z')))).toBe('2026-03-09T13:00:00.000Z');
      expect(iso(occurrenceAfter(spec, t('2026-10-31T14:00:00Z')))).toBe('2026-11-01T14:00:00.000Z');
    });
  });
});

describe('English times', () => {
  const now = t('2026-03-07T20:00:00Z'); // Saturday 15:00 EST
  it('parses relative and clock times in a time zone, never in the past', () => {
    expect(iso(parseWhen('in 20 minutes', 'when', now, 'America/New_York'))).toBe('2026-03-07T20:20:00.000Z');
    expect(iso(parseWhen('at 5:00pm', 'when', now, 'America/New_York'))).toBe('2026-03-07T22:00:00.000Z');
    expect(iso(parseWhen('at 5:00pm', 'when', now, 'UTC'))).toBe('2026-03-08T17:00:00.000Z');
    // 20:00 UTC is already 01:30 on the 8th in Kolkata: tomorrow there is the 9th.
    expect(iso(parseWhen('tomorrow at 9am', 'when', now, 'Asia/Kolkata'))).toBe('2026-03-09T03:30:00.000Z');
    expect(() => parseWhen('the day after never', 'when', now, 'UTC')).toThrow(/the day after never/);
    expect(() => parseWhen('at noon-ish', 'when', now, 'UTC')).toThrow(/noon-ish/);
    expect(iso(parseWhen('5 minutes', 'when', now, 'UTC'))).toBe('2026-03-07T20:05:00.000Z');
    expect(parseWhen('now', 'when', now, 'UTC')).toBe(now);
  });
});

describe('backoff', () => {
  it('doubles exponential delays up to maxDelay; keeps fixed ones', () => {
    const exp = { type: 'exponential' as const, delay: 1000, maxDelay: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(exp, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect([1, 2, 3].map((n) => backoffDelay({ type: 'fixed', delay: 250 }, n))).toEqual([250, 250, 250]);
  });
});
