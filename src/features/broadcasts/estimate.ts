import type { Services } from '../../app/context.ts';
import { sendsPerSecond } from '../../core/adapter.ts';
import { isPlatform } from '../../core/events.ts';
import { formatUsd, PlatformUsage } from '../../metrics/usage.ts';
import type { Audience } from './audience.ts';

/** Platforms whose share of a broadcast takes at least this long get an estimate line. */
const SLOW_MS = 60_000;

/** "2 h 5 min", "50 min", "12 s". */
export function roughDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/**
 * What a broadcast to topic subscribers will take on platforms that are slow or bill per message
 * (X: one DM a minute, $0.015 each): one line per such platform, from its declared send windows and
 * price, e.g. "X: 300 subscribers, about 5 h at its send limits, ≈ $4.50". Also says when the
 * platform's monthly budget would be passed.
 */
export async function broadcastEstimate(services: Services, audience: Audience): Promise<string[]> {
  if (audience.topics.length === 0) return [];
  const rows = await services.db.subscription.groupBy({
    by: ['platform'],
    where: { topic: { in: audience.topics } },
    _count: { _all: true },
  });
  const lines: string[] = [];
  for (const row of rows) {
    if (!isPlatform(row.platform)) continue;
    const capabilities = services.capabilitiesOf(row.platform);
    if (!capabilities) continue;
    const count = row._count._all;
    const rate = sendsPerSecond(capabilities.rateLimits);
    const ms = rate ? (count / rate) * 1000 : 0;
    const pricing = capabilities.usagePricing;
    if (ms < SLOW_MS && !pricing) continue;
    const name = pricing?.platformName ?? row.platform;
    let line = `${name}: ${count} subscribers, about ${roughDuration(ms)} at its send limits`;
    if (pricing) {
      const cost = count * pricing.outboundUsd;
      line += `, ${formatUsd(cost)}`;
      const budget = pricing.monthlyBudgetUsd;
      if (budget !== undefined && budget > 0) {
        const month = await new PlatformUsage(services.db).monthToDate(row.platform, pricing, services.now());
        if (month.usd + cost > budget)
          line += ` (with ${formatUsd(month.usd)} spent this month, this passes the $${budget.toFixed(2)} monthly budget)`;
      }
    }
    lines.push(`${line}.`);
  }
  return lines;
}
