import { UserFacingError } from '../core/errors.ts';
import { CronSchedule, isValidTimezone } from './cron.ts';
import { addDays, instantOf, wallTimeAt } from './zoned-time.ts';

/** When a schedule fires: once at an instant, or on a cron expression read in a timezone. */
export type When =
  | { kind: 'once'; runAt: Date; timezone: string }
  | { kind: 'cron'; cron: string; timezone: string };

export const WHEN_GRAMMAR = [
  'in 30m | in 2h | in 1d',
  'today 18:00 | tomorrow 09:00 [Europe/Berlin]',
  '2026-12-24 09:00 [Europe/Berlin] | 2026-12-24T09:00:00Z',
  'every day|weekday|monday[,thursday] [at] 09:00 [Europe/Berlin]',
  '"0 9 * * 1" [Europe/Berlin] (a cron expression in quotes)',
].join('\n');

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

type Rule = [RegExp, (m: RegExpMatchArray, reader: Reader, now: Date, defaultTimezone: string) => When];

/** The grammar, tried in order; each rule reads its words off the front of the arguments. */
const RULES: Rule[] = [
  [
    /^in\s+(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?)\b/i,
    (m, _r, now, timezone) => {
      const unitMs = UNITS[(m[2] ?? 'm').charAt(0).toLowerCase()] ?? 60_000;
      return { kind: 'once', runAt: new Date(now.getTime() + Number(m[1]) * unitMs), timezone };
    },
  ],
  [
    /^(today|tomorrow)\s+(?:at\s+)?(\d{1,2}):(\d{2})\b/i,
    (m, reader, now) => {
      const timezone = reader.timezone();
      const date = addDays(wallTimeAt(now, timezone), m[1]?.toLowerCase() === 'tomorrow' ? 1 : 0);
      return {
        kind: 'once',
        runAt: instantOf({ ...date, hour: hour(m[2]), minute: minute(m[3]) }, timezone),
        timezone,
      };
    },
  ],
  [
    /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))(?=\s|$)/i,
    (m) => {
      const runAt = new Date(m[1] ?? '');
      if (Number.isNaN(runAt.getTime())) throw new UserFacingError(`"${m[1]}" is not a valid time.`);
      return { kind: 'once', runAt, timezone: 'UTC' };
    },
  ],
  [
    /^(\d{4})-(\d{2})-(\d{2})(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2}))?(?=\s|$)/i,
    (m, reader) => {
      const timezone = reader.timezone();
      const wall = {
        year: Number(m[1]),
        month: Number(m[2]),
        day: Number(m[3]),
        hour: hour(m[4]),
        minute: minute(m[5]),
        second: Number(m[6] ?? 0),
      };
      if (wall.month < 1 || wall.month > 12 || wall.day < 1 || wall.day > 31)
        throw new UserFacingError(`"${m[0]}" is not a valid date.`);
      return { kind: 'once', runAt: instantOf(wall, timezone), timezone };
    },
  ],
  [
    /^every\s+([a-z,]+)\s+(?:at\s+)?(\d{1,2}):(\d{2})\b/i,
    (m, reader) => cronWhen(`${minute(m[3])} ${hour(m[2])} * * ${dayField(m[1] ?? '')}`, reader.timezone()),
  ],
  [/^(?:cron\s+)?"([^"]+)"/i, (m, reader) => cronWhen((m[1] ?? '').trim(), reader.timezone())],
  [/^(?:cron\s+)?'([^']+)'/i, (m, reader) => cronWhen((m[1] ?? '').trim(), reader.timezone())],
];

/** Reads a leading `<when>` off owner command arguments; returns it and the rest of the text. */
export function parseWhen(input: string, now: Date, defaultTimezone: string): { when: When; rest: string } {
  const reader = new Reader(input.trim()).withDefault(defaultTimezone);
  for (const [pattern, build] of RULES) {
    const m = reader.take(pattern);
    if (m) return { when: build(m, reader, now, defaultTimezone), rest: reader.rest() };
  }
  throw new UserFacingError(`I could not read when to send. Say it like one of these:\n${WHEN_GRAMMAR}`);
}

function cronWhen(cron: string, timezone: string): When {
  try {
    new CronSchedule(cron, timezone);
  } catch (error) {
    throw new UserFacingError((error as Error).message);
  }
  return { kind: 'cron', cron, timezone };
}

function dayField(words: string): string {
  const w = words.toLowerCase();
  if (w === 'day') return '*';
  if (w === 'weekday') return '1-5';
  const numbers = w.split(',').map((word) => {
    const index = DAYS.findIndex((d) => word.length >= 3 && d.startsWith(word));
    if (index < 0) throw new UserFacingError(`"${word}" is not a day (say monday, tue, day or weekday).`);
    return index;
  });
  return [...new Set(numbers)].sort((a, b) => a - b).join(',');
}

function hour(value: string | undefined): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 23)) throw new UserFacingError(`"${value}" is not an hour (0-23).`);
  return n;
}

function minute(value: string | undefined): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 59)) throw new UserFacingError(`"${value}" is not a minute (0-59).`);
  return n;
}

/** Consumes the input from the left. */
class Reader {
  private defaultTimezone = 'UTC';

  constructor(private text: string) {}

  withDefault(timezone: string): this {
    this.defaultTimezone = timezone;
    return this;
  }

  take(pattern: RegExp): RegExpMatchArray | null {
    const m = pattern.exec(this.text);
    if (m) this.text = this.text.slice(m[0].length).trimStart();
    return m;
  }

  /** An optional IANA timezone next (a word with a slash, or UTC); else the default. */
  timezone(): string {
    const m = /^(UTC|GMT|[A-Za-z_]+\/[A-Za-z0-9_+\-/]+)(?=\s|$)/.exec(this.text);
    if (!m?.[1]) return this.defaultTimezone;
    if (!isValidTimezone(m[1])) throw new UserFacingError(`"${m[1]}" is not a timezone I know.`);
    this.take(/^\S+/);
    return m[1];
  }

  rest(): string {
    return this.text.trim();
  }
}
