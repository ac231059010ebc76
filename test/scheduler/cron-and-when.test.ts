import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../../src/core/errors.ts';
import { CronSchedule } from '../../src/scheduler/cron.ts';
import { parseWhen } from '../../src/scheduler/when.ts';
import { instantOf, wallTimeAt } from '../../src/scheduler/zoned-time.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('cron occurrences in a timezone (DST edges)', () => {
  it('runs a daily 02:30 Europe/Berlin job at 03:00 CEST on the spring-forward day, once', () => {
    const cron = new CronSchedule('30 2 * * *', 'Europe/Berlin');
    const { occurrences } = cron.between(new Date('2026-03-28T00:00:00Z'), new Date('2026-03-31T00:00:00Z'));
    expect(iso(occurrences)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist: first valid time after the gap, 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('runs a 02:30 job once on the fall-back day (the first 02:30)', () => {
    const cron = new CronSchedule('30 2 * * *', 'Europe/Berlin');
    const { occurrences } = cron.between(new Date('2026-10-24T12:00:00Z'), new Date('2026-10-26T12:00:00Z'));
    expect(iso(occurrences)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('keeps a weekly Monday 09:00 Europe/Berlin at 09:00 local across the DST change', () => {
    const cron = new CronSchedule('0 9 * * 1', 'Europe/Berlin');
    const { occurrences } = cron.between(new Date('2026-03-16T00:00:00Z'), new Date('2026-04-07T00:00:00Z'));
    expect(iso(occurrences)).toEqual([
      '2026-03-16T08:00:00.000Z',
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-04-06T07:00:00.000Z',
    ]);
    for (const at of occurrences)
      expect(wallTimeAt(at, 'Europe/Berlin')).toMatchObject({ hour: 9, minute: 0, weekday: 1 });
  });

  it('is exclusive of the start, inclusive of the end, and reports truncation', () => {
    const cron = new CronSchedule('* * * * *', 'UTC');
    const r = cron.between(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:03:00Z'), 2);
    expect(iso(r.occurrences)).toEqual(['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']);
    expect(r.truncated).toBe(true);
    expect(
      cron.between(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:01:00Z')).occurrences,
    ).toHaveLength(1);
  });

  it('refuses bad expressions and unknown timezones with a clear message', () => {
    expect(() => new CronSchedule('61 * * * *', 'UTC')).toThrow(/bad cron expression "61 \* \* \* \*"/);
    expect(() => new CronSchedule('0 9 * * 1', 'Mars/Olympus')).toThrow(/unknown timezone "Mars\/Olympus"/);
  });
});

describe('wall time ↔ instant', () => {
  it('maps a wall time in a DST gap forward and an ambiguous one to its first occurrence', () => {
    expect(
      instantOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin').toISOString(),
    ).toBe('2026-03-29T01:30:00.000Z');
    expect(
      instantOf({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Berlin').toISOString(),
    ).toBe('2026-10-25T00:30:00.000Z');
    expect(
      instantOf({ year: 2026, month: 7, day: 1, hour: 9, minute: 0 }, 'America/New_York').toISOString(),
    ).toBe('2026-07-01T13:00:00.000Z');
  });
});

describe('the <when> grammar', () => {
  const now = new Date('2026-03-28T20:00:00Z'); // Saturday 21:00 in Berlin, the night before spring-forward

  it('reads relative, today/tomorrow, dates and ISO times', () => {
    expect(parseWhen('in 30m news hi', now, 'UTC')).toEqual({
      when: { kind: 'once', runAt: new Date('2026-03-28T20:30:00Z'), timezone: 'UTC' },
      rest: 'news hi',
    });
    expect(parseWhen('in 2 hours x', now, 'UTC').when).toMatchObject({
      runAt: new Date('2026-03-28T22:00:00Z'),
    });
    // Tomorrow 09:00 in Berlin is after the clocks went forward: 07:00Z, not 08:00Z.
    expect(parseWhen('tomorrow 09:00 Europe/Berlin news Hello there', now, 'UTC')).toEqual({
      when: { kind: 'once', runAt: new Date('2026-03-29T07:00:00Z'), timezone: 'Europe/Berlin' },
      rest: 'news Hello there',
    });
    expect(parseWhen('tomorrow 09:00 news hi', now, 'Europe/Berlin').when).toMatchObject({
      runAt: new Date('2026-03-29T07:00:00Z'),
    });
    expect(parseWhen('2026-12-24 18:30 Europe/Berlin #general Merry', now, 'UTC')).toEqual({
      when: { kind: 'once', runAt: new Date('2026-12-24T17:30:00Z'), timezone: 'Europe/Berlin' },
      rest: '#general Merry',
    });
    expect(parseWhen('2026-12-24T09:00:00+01:00 news x', now, 'Asia/Tokyo').when).toMatchObject({
      runAt: new Date('2026-12-24T08:00:00Z'),
    });
  });

  it('reads recurring schedules as cron in a timezone', () => {
    expect(parseWhen('every monday 09:00 Europe/Berlin news Weekly', now, 'UTC')).toEqual({
      when: { kind: 'cron', cron: '0 9 * * 1', timezone: 'Europe/Berlin' },
      rest: 'news Weekly',
    });
    expect(parseWhen('every mon,fri at 7:05 news x', now, 'UTC').when).toEqual({
      kind: 'cron',
      cron: '5 7 * * 1,5',
      timezone: 'UTC',
    });
    expect(parseWhen('every weekday 18:00 news x', now, 'UTC').when).toMatchObject({ cron: '0 18 * * 1-5' });
    expect(parseWhen('every day 08:00 news x', now, 'UTC').when).toMatchObject({ cron: '0 8 * * *' });
    expect(parseWhen('"0 9 * * 1" America/New_York news x', now, 'UTC')).toEqual({
      when: { kind: 'cron', cron: '0 9 * * 1', timezone: 'America/New_York' },
      rest: 'news x',
    });
    expect(parseWhen("cron '*/15 * * * *' news x", now, 'UTC').when).toMatchObject({ cron: '*/15 * * * *' });
  });

  it('refuses what it cannot read, in plain words', () => {
    expect(() => parseWhen('someday news x', now, 'UTC')).toThrow(UserFacingError);
    expect(() => parseWhen('every funday 09:00 news x', now, 'UTC')).toThrow(/"funday" is not a day/);
    expect(() => parseWhen('tomorrow 25:00 news x', now, 'UTC')).toThrow(/not an hour/);
    expect(() => parseWhen('"0 9 * *" news x', now, 'UTC')).toThrow(/bad cron expression/);
    expect(() => parseWhen('tomorrow 09:00 Mars/Olympus news x', now, 'UTC')).toThrow(
      /not a timezone I know/,
    );
  });
});
