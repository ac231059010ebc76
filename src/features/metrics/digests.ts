import type { Services } from '../../app/context.ts';
import type { SystemJob } from '../../scheduler/system-job.ts';
import { computeJourneyReport, funnelValues, journeyLines } from '../journey/digest.ts';
import { renderReport } from './render.ts';
import { computeReport, type Period } from './report.ts';
import { usageLines } from './usage-lines.ts';

const WEEKDAY_CRON: Record<string, number> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};

/** `09:30` → [30, 9]. */
function minuteHour(at: string): [number, number] {
  const [hour = '9', minute = '0'] = at.split(':');
  return [Number(minute), Number(hour)];
}

/**
 * Posts the digest for the window ending at `occurrence` to the owners' channel. The dedupe key is
 * the occurrence, so a second run of the same occurrence (another instance, a retry) enqueues nothing.
 */
export async function postDigest(services: Services, period: Period, occurrence: Date): Promise<void> {
  const report = await computeReport(services.db, {
    period,
    to: occurrence,
    excludePlatform: services.owners.channel.platform,
  });
  const kind = period === 'day' ? 'daily' : 'weekly';
  const title = `Hearth ${kind} digest`;
  const to = services.owners.channel;
  const key = `metrics:${kind}-digest:${occurrence.toISOString()}`;
  await services.outbox.enqueue({
    to,
    content: renderReport(report, {
      title,
      timezone: services.config.DIGEST_TIMEZONE,
      usage: await usageLines(services, occurrence),
    }),
    dedupeKey: key,
  });
  // The customer journey (funnel, referrals, series, council) in the weekly digest, and its funnel in the chart.
  const journey =
    period === 'week' ? await computeJourneyReport(services.db, report.from, occurrence) : undefined;
  if (journey) {
    const text = `The customer journey, last 7 days\n${journeyLines(journey).join('\n')}`;
    await services.outbox.enqueue({ to, content: { text }, dedupeKey: `${key}:journey` });
  }
  if (journey && (services.capabilitiesOf(to.platform)?.files ?? false)) {
    // Loaded here: the PNG encoder is needed once a week, not in every process's memory.
    const { stackedBarChartsPng } = await import('./chart.ts');
    const series = report.subscriberSeries;
    const funnel = funnelValues(journey);
    await services.outbox.enqueue({
      to,
      content: {
        text:
          `Subscriptions at the end of each of the last ${series.length} days: ${series.join(', ')}\n` +
          `Below, members at each stage (visitor, audience, customer, community): ${funnel.join(', ')}`,
        file: {
          name: `subscriber-growth-${occurrence.toISOString().slice(0, 10)}.png`,
          contentBase64: stackedBarChartsPng([
            { values: series },
            { values: funnel, rgb: [46, 125, 50] },
          ]).toString('base64'),
          mimeType: 'image/png',
        },
      },
      dedupeKey: `${key}:chart`,
    });
  }
  services.wakeDelivery();
  services.log.info({ kind, occurrence: occurrence.toISOString() }, 'digest enqueued');
}

/** The daily and weekly digest jobs for the scheduler, from DIGEST_* settings. */
export function digestJobs(services: Services): SystemJob[] {
  const { DIGEST_DAILY_AT, DIGEST_WEEKLY_DAY, DIGEST_TIMEZONE } = services.config;
  const [minute, hour] = minuteHour(DIGEST_DAILY_AT === 'off' ? '09:00' : DIGEST_DAILY_AT);
  const jobs: SystemJob[] = [];
  if (DIGEST_DAILY_AT !== 'off') {
    jobs.push({
      name: 'metrics.daily-digest',
      cron: `${minute} ${hour} * * *`,
      timezone: DIGEST_TIMEZONE,
      run: (occurrence) => postDigest(services, 'day', occurrence),
    });
  }
  const weekday = WEEKDAY_CRON[DIGEST_WEEKLY_DAY];
  if (weekday !== undefined) {
    jobs.push({
      name: 'metrics.weekly-digest',
      cron: `${minute} ${hour} * * ${weekday}`,
      timezone: DIGEST_TIMEZONE,
      run: (occurrence) => postDigest(services, 'week', occurrence),
    });
  }
  return jobs;
}
