import type { FeatureFactory } from '../../app/feature.ts';
import type { SystemJob } from '../../scheduler/system-job.ts';
import { pollOwnerCommands } from './commands.ts';
import { pollsComposer } from './composer.ts';
import { POLL_SCHEDULE_KIND, pollScheduleHandler } from './schedule.ts';
import { PollService } from './service.ts';

export { PollService } from './service.ts';

/** Name of the job that closes polls on time (claim key `system:polls.close-due`). */
export const CLOSE_DUE_JOB = 'polls.close-due';

/**
 * Polls: owners ask (`/hearth poll`), the community answers by native poll, buttons or numbered
 * replies (whatever each platform can do), one vote per member; polls close on time or on command
 * and the results go to the channels and the owners.
 */
export const pollsFeature: FeatureFactory = (services) => {
  const service = new PollService(services);
  services.scheduler.handle(POLL_SCHEDULE_KIND, pollScheduleHandler(services, service));
  const closeDue: SystemJob = {
    name: CLOSE_DUE_JOB,
    cron: '* * * * *',
    timezone: 'UTC',
    run: async (occurrence) => {
      await service.closeDue(occurrence);
    },
  };
  return {
    name: 'polls',
    composer: pollsComposer(service),
    ownerCommands: pollOwnerCommands(service),
    jobs: [closeDue],
    delivery: {
      onSent: (row, result) =>
        service.onSent(row, result).catch((error: unknown) => {
          services.log.error({ err: error, outboxId: row.id.toString() }, 'could not record a poll post');
        }),
    },
  };
};
