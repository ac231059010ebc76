import type { Services } from '../../app/context.ts';
import { PLATFORMS } from '../../core/events.ts';
import { formatUsd, PlatformUsage } from '../../metrics/usage.ts';

/**
 * One line per connected platform that bills per message (Capabilities.usagePricing), for the
 * seven UTC days ending at `to`: "X: 12 DMs in, 5 out, ≈ $0.20 this week".
 */
export async function usageLines(services: Services, to: Date): Promise<string[]> {
  const usage = new PlatformUsage(services.db);
  const lines: string[] = [];
  for (const platform of PLATFORMS) {
    const pricing = services.capabilitiesOf(platform)?.usagePricing;
    if (!pricing) continue;
    const week = await usage.total(platform, pricing, to, 7);
    lines.push(
      `${pricing.platformName}: ${week.inbound} ${pricing.unit} in, ${week.outbound} out, ${formatUsd(week.usd)} this week`,
    );
  }
  return lines;
}
