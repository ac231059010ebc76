import type { Db, Tx } from '../../db/database.ts';

/** Journey settings owners change from Slack (`/hearth restraint ...`, `/hearth rewards ...`). */
export interface RestraintSettings {
  /** Most marketing messages (broadcasts, series steps, polls) one member gets in 7 days. */
  weeklyCap: number;
  /** Quiet hours in the member's local time, minutes after midnight: [start, end). */
  quietStart: number;
  quietEnd: number;
  /** A held message later than this after its first time is dropped instead (stale). */
  staleAfterHours: number;
}

export const DEFAULT_RESTRAINT: RestraintSettings = {
  weeklyCap: 3,
  quietStart: 21 * 60,
  quietEnd: 9 * 60,
  staleAfterHours: 48,
};

const RESTRAINT_KEY = 'restraint';

/** Reads one JSON setting; `fallback` when unset or unreadable. */
export async function readSetting<T>(db: Db | Tx, key: string, fallback: T): Promise<T> {
  const row = await db.journeySetting.findUnique({ where: { key } });
  // A copy: callers may change what they read (the defaults stay as they are).
  if (!row) return structuredClone(fallback);
  try {
    return { ...structuredClone(fallback), ...(JSON.parse(row.value) as T) };
  } catch {
    return structuredClone(fallback);
  }
}

export async function writeSetting(db: Db | Tx, key: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value);
  await db.journeySetting.upsert({ where: { key }, create: { key, value: text }, update: { value: text } });
}

export function readRestraint(db: Db | Tx): Promise<RestraintSettings> {
  return readSetting(db, RESTRAINT_KEY, DEFAULT_RESTRAINT);
}

export function writeRestraint(db: Db | Tx, value: RestraintSettings): Promise<void> {
  return writeSetting(db, RESTRAINT_KEY, value);
}

/** `21:00` → 1260; null when not a time of day. */
export function parseClock(text: string): number | null {
  const m = /^(\d{1,2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2] ?? '0');
  if (hour > 23 || minute > 59) return null;
  return hour * 60 + minute;
}

export function formatClock(minutes: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}
