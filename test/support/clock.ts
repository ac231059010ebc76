import { addDays, instantOf, wallTimeAt } from '../../src/scheduler/zoned-time.ts';

/** An injected clock for a test Hearth: the real clock moved by an offset the test sets. */
export interface TestClock {
  now(): Date;
  /** From now on the clock reads `at` (and runs on from there). */
  set(at: Date): void;
}

export function testClock(start?: Date): TestClock {
  let offset = start ? start.getTime() - Date.now() : 0;
  return {
    now: () => new Date(Date.now() + offset),
    set(at) {
      offset = at.getTime() - Date.now();
    },
  };
}

/** `days` days from the day of `from` (default: now, by the real clock) in `timezone`, at hh:mm there. */
export function zonedDayAt(
  timezone: string,
  days: number,
  hour: number,
  minute = 0,
  from = new Date(),
): Date {
  const wall = addDays(wallTimeAt(from, timezone), days);
  return instantOf({ ...wall, hour, minute, second: 0 }, timezone);
}
