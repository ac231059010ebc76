import type { FeatureFactory } from '../app/feature.ts';
import { ProcessedEvents } from '../members/processed-events.ts';

const DAY_MS = 24 * 3600_000;
/** Inbound event ids only need to outlive the platforms' redelivery windows (hours, not days). */
export const PROCESSED_EVENT_RETENTION_DAYS = 7;
/** Finished outbox rows (sent, cancelled, dead) are kept this long for reports and investigation. */
export const OUTBOX_RETENTION_DAYS = 30;

/** Housekeeping: a nightly job keeps the dedupe and outbox tables from growing without bound. */
export const maintenanceFeature: FeatureFactory = (services) => {
  const processed = new ProcessedEvents(services.db);
  return {
    name: 'maintenance',
    jobs: [
      {
        name: 'maintenance.prune',
        cron: '30 3 * * *',
        timezone: 'UTC',
        async run(occurrence) {
          const at = occurrence.getTime();
          const events = await processed.prune(new Date(at - PROCESSED_EVENT_RETENTION_DAYS * DAY_MS));
          const outbox = await services.db.outbox.deleteMany({
            where: {
              status: { in: ['sent', 'cancelled', 'dead'] },
              createdAt: { lt: new Date(at - OUTBOX_RETENTION_DAYS * DAY_MS) },
            },
          });
          services.log.info({ events, outbox: outbox.count }, 'pruned old dedupe records and outbox rows');
        },
      },
    ],
  };
};
