import type { UsagePricing } from '../core/adapter.ts';
import type { Platform } from '../core/events.ts';
import { AdapterStateStore } from '../db/adapter-state-store.ts';
import type { Db } from '../db/database.ts';

/** Units counted on one UTC day. */
export interface DayUsage {
  inbound: number;
  outbound: number;
}

/** Usage over a span of days, priced. */
export interface UsageTotals extends DayUsage {
  usd: number;
}

const ACCOUNT = 'usage';
const DAY_MS = 86_400_000;
const dayKey = (at: Date) => `day:${at.toISOString().slice(0, 10)}`;

/** The cost of some usage at a platform's prices. */
export function priced(usage: DayUsage, pricing: UsagePricing): number {
  return usage.inbound * pricing.inboundUsd + usage.outbound * pricing.outboundUsd;
}

/** "≈ $1.23" (cents; "< $0.01" for a cost that rounds to nothing). */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.005) return '< $0.01';
  return `≈ $${usd.toFixed(2)}`;
}

/**
 * Billed units per platform and UTC day (X bills each DM read and sent), kept in the database's
 * adapter state (`<platform>/usage/day:YYYY-MM-DD`), so every instance adds to the same count and a
 * restart keeps it. Increments are compare-and-set: two instances counting at once lose nothing.
 */
export class PlatformUsage {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Adds units to today's count of `platform`. */
  async add(platform: Platform, usage: Partial<DayUsage>): Promise<void> {
    const inbound = usage.inbound ?? 0;
    const outbound = usage.outbound ?? 0;
    if (inbound === 0 && outbound === 0) return;
    const store = new AdapterStateStore(this.db, platform, ACCOUNT);
    const key = dayKey(this.now());
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await store.get<DayUsage>(key);
      const next = {
        inbound: (current?.value.inbound ?? 0) + inbound,
        outbound: (current?.value.outbound ?? 0) + outbound,
      };
      if ((await store.compareAndSet(key, current?.version ?? null, next)) !== undefined) return;
    }
    throw new Error(`usage of ${platform}: too many concurrent writers`);
  }

  /** Units counted in the `days` UTC days ending with the one holding `to`, priced. */
  async total(platform: Platform, pricing: UsagePricing, to: Date, days: number): Promise<UsageTotals> {
    const keys = Array.from({ length: days }, (_, i) => dayKey(new Date(to.getTime() - i * DAY_MS)));
    return this.sum(platform, pricing, keys);
  }

  /** Units counted in the calendar month (UTC) holding `at`, priced. */
  async monthToDate(platform: Platform, pricing: UsagePricing, at: Date): Promise<UsageTotals> {
    const keys = Array.from({ length: at.getUTCDate() }, (_, i) =>
      dayKey(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), i + 1))),
    );
    return this.sum(platform, pricing, keys);
  }

  private async sum(platform: Platform, pricing: UsagePricing, keys: string[]): Promise<UsageTotals> {
    const rows = await this.db.adapterState.findMany({
      where: { platform, account: ACCOUNT, key: { in: keys } },
      select: { value: true },
    });
    const totals = { inbound: 0, outbound: 0 };
    for (const row of rows) {
      const value = row.value as Partial<DayUsage> | null;
      totals.inbound += Number(value?.inbound ?? 0);
      totals.outbound += Number(value?.outbound ?? 0);
    }
    return { ...totals, usd: priced(totals, pricing) };
  }
}
