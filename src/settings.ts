import { z } from 'zod';

/**
 * Building blocks for settings read from the environment: the core's (src/config.ts) and each
 * adapter's own (adapters/NAME/settings.ts). Empty values count as unset.
 */

/** Treats `FOO=` (empty) as unset, as most .env users expect. */
export const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
export const url = (what: string) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.url({ error: `expected ${what}` }).optional());
export const int = (def: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? def : v),
    z.coerce
      .number({ error: `expected a whole number from ${min} to ${max}` })
      .int({ error: `expected a whole number from ${min} to ${max}` })
      .min(min, { error: `expected a whole number from ${min} to ${max}` })
      .max(max, { error: `expected a whole number from ${min} to ${max}` }),
  );
export const bool = (def: boolean) =>
  z
    .preprocess(
      (v) => (v === '' || v === undefined ? String(def) : String(v).toLowerCase()),
      z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' }),
    )
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
/** `a, b,,c` → ['a', 'b', 'c']; anything but a string → []. */
export function commaList(v: unknown): string[] {
  return typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

export const list = z.preprocess(commaList, z.array(z.string()));

export function isTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
