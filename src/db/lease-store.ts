import type { Db } from './database.ts';

/**
 * Leases on the `lease` table: a named role held by one holder until it expires. Times are the
 * database's own (now()), so instances whose clocks disagree still agree on who holds a role.
 */
export class LeaseStore {
  constructor(private readonly db: Db) {}

  /**
   * Takes or renews `name` for `holder` for `ttlMs` if it is free, expired, or already this holder's.
   * True when `holder` holds it now.
   */
  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const rows = await this.db.$queryRaw<{ holder: string }[]>`
      INSERT INTO lease (name, holder, "expiresAt", "acquiredAt")
      VALUES (${name}, ${holder}, now() + ${ttlMs} * interval '1 millisecond', now())
      ON CONFLICT (name) DO UPDATE SET
        holder = EXCLUDED.holder,
        "expiresAt" = EXCLUDED."expiresAt",
        "acquiredAt" = CASE WHEN lease.holder = EXCLUDED.holder THEN lease."acquiredAt" ELSE now() END
      WHERE lease.holder = EXCLUDED.holder OR lease."expiresAt" < now()
      RETURNING holder`;
    return rows[0]?.holder === holder;
  }

  /** Gives `name` up at once, if `holder` holds it (a clean stop: another instance need not wait). */
  async release(name: string, holder: string): Promise<void> {
    await this.db.lease.deleteMany({ where: { name, holder } });
  }

  /** Who holds `name` now, if anyone (an expired lease counts as free). */
  async holderOf(name: string): Promise<string | undefined> {
    const rows = await this.db.$queryRaw<{ holder: string }[]>`
      SELECT holder FROM lease WHERE name = ${name} AND "expiresAt" >= now()`;
    return rows[0]?.holder;
  }
}
