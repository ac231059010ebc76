import { CronSchedule } from './cron.ts';
import type { When } from './when.ts';
import { wallTimeAt } from './zoned-time.ts';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** "Mon 7 Dec at 09:00" in `timezone` (the year only when it is not the year of `now`). */
export function dayAndTime(at: Date, timezone: string, now: Date = new Date()): string {
  const w = wallTimeAt(at, timezone);
  const year = w.year === wallTimeAt(now, timezone).year ? '' : ` ${w.year}`;
  const weekday = (WEEKDAYS[w.weekday] ?? '').slice(0, 3);
  return `${weekday} ${w.day} ${MONTHS[w.month - 1] ?? ''}${year} at ${pad(w.hour)}:${pad(w.minute)}`;
}

/** "09:00 on Mondays" style words for the simple cron shapes; null for the rest. */
function cronInWords(cron: string): string | null {
  const parts = cron.trim().split(/\s+/);
  if (parts.length !== 5) return null;
  const [minute = '', hour = '', dayOfMonth = '', month = '', dayOfWeek = ''] = parts;
  if (!/^\d{1,2}$/.test(minute) || !/^\d{1,2}$/.test(hour) || month !== '*') return null;
  const time = `${pad(Number(hour))}:${pad(Number(minute))}`;
  if (dayOfMonth === '*' && dayOfWeek === '*') return `every day at ${time}`;
  if (dayOfMonth === '*' && dayOfWeek === '1-5') return `weekdays at ${time}`;
  if (dayOfMonth === '*' && /^[0-7](,[0-7])*$/.test(dayOfWeek)) {
    const days = dayOfWeek.split(',').map((d) => `${WEEKDAYS[Number(d) % 7]}s`);
    return `${days.length > 1 ? `${days.slice(0, -1).join(', ')} and ${days.at(-1)}` : days[0]} at ${time}`;
  }
  if (/^\d{1,2}$/.test(dayOfMonth) && dayOfWeek === '*')
    return `on day ${dayOfMonth} of every month at ${time}`;
  return null;
}

/**
 * When a schedule fires, in the business's words: "Mondays at 09:00 Europe/Berlin, next on Mon 7 Dec"
 * or "on Mon 7 Dec at 09:00 Europe/Berlin".
 */
export function describeWhen(when: When, now: Date): string {
  if (when.kind === 'once') return `on ${dayAndTime(when.runAt, when.timezone, now)} ${when.timezone}`;
  const words = cronInWords(when.cron) ?? `on the schedule "${when.cron}"`;
  let next: Date | null = null;
  try {
    next = new CronSchedule(when.cron, when.timezone).next(now);
  } catch {
    next = null;
  }
  const nextText = next
    ? `, next on ${dayAndTime(next, when.timezone, now).replace(/ at \d\d:\d\d$/, '')}`
    : '';
  return `${words} ${when.timezone}${nextText}`;
}
