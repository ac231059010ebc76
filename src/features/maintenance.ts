import type { Services } from '../app/context.ts';
import type { FeatureFactory } from '../app/feature.ts';
import { ProcessedEvents } from '../members/processed-events.ts';
import type { SystemJob } from '../scheduler/system-job.ts';

const DAY_MS = 24 * 3600_000;
/** Inbound event ids only need to outlive the platforms' redelivery windows (hours, not days). */
export const PROCESSED_EVENT_RETENTION_DAYS = 7;
/** Finished outbox rows (sent, cancelled, dead) are kept this long for reports and investigation. */
export const OUTBOX_RETENTION_DAYS = 30;

/**
 * Housekeeping: a nightly job keeps the dedupe and outbox tables from growing without bound; on the
 * embedded database, an hourly VACUUM does what PostgreSQL's autovacuum does on a server.
 */
export const maintenanceFeature: FeatureFactory = (services) => ({
  name: 'maintenance',
  jobs: [pruneJob(services), ...(services.databaseKind === 'pglite' ? [vacuumJob(services)] : [])],
});

function pruneJob(services: Services): SystemJob {
  const processed = new ProcessedEvents(services.db);
  return {
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
  };
}

/**
 * The embedded database (PGlite) runs no autovacuum. Without this job every outbox update and every
 * pruned row would leave a dead row behind for good (the files only grow, scans slow down), and the
 * planner would never get table statistics. About 0.3 s for an outbox of 100,000 rows after a
 * broadcast; queries wait meanwhile (PGlite runs one statement at a time).
 */
function vacuumJob(services: Services): SystemJob {
  return {
    name: 'maintenance.vacuum',
    cron: '45 * * * *',
    timezone: 'UTC',
    async run() {
      const started = Date.now();
      await services.db.$executeRawUnsafe('VACUUM (ANALYZE)');
      services.log.info({ ms: Date.now() - started }, 'vacuumed and analysed the embedded database');
    },
  };
}
