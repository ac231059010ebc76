/** Wall-clock date and time in some timezone. */
export interface WallTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall clock in `timezone` at instant `at` (with the weekday, 0 = Sunday). */
export function wallTimeAt(at: Date, timezone: string): Required<WallTime> & { weekday: number } {
  const parts = Object.fromEntries(
    formatter(timezone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: weekdays.indexOf(parts.weekday ?? ''),
  };
}

/** Offset of `timezone` from UTC at instant `at`, in ms. */
function offsetMs(at: Date, timezone: string): number {
  const w = wallTimeAt(at, timezone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant a wall time in `timezone` names. A time skipped by a DST change (spring forward) is
 * moved forward by the gap (02:30 → 03:30); a time that occurs twice gets its first occurrence.
 */
export function instantOf(wall: WallTime, timezone: string): Date {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second ?? 0);
  const before = offsetMs(new Date(naive - 86_400_000), timezone);
  const after = offsetMs(new Date(naive + 86_400_000), timezone);
  // Try both offsets around the wall time; keep the earliest that reads back as this wall time.
  const candidates = [naive - Math.max(before, after), naive - Math.min(before, after)];
  for (const candidate of candidates) {
    if (offsetMs(new Date(candidate), timezone) === naive - candidate) return new Date(candidate);
  }
  // In a gap: no instant reads back as this wall time; shift by the gap.
  return new Date(naive - Math.min(before, after));
}

/** Adds whole days to a calendar date (no timezone involved). */
export function addDays(date: Pick<WallTime, 'year' | 'month' | 'day'>, days: number) {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
