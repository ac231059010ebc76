import type { Services } from '../../app/context.ts';
import type { Feature } from '../../app/feature.ts';
import type { ScheduleHandler } from '../../scheduler/scheduler.ts';
import { audienceFromJson } from './audience.ts';
import { broadcastCommands } from './commands.ts';
import { contentFromJson } from './content.ts';
import { ProgressReporter } from './progress.ts';
import { BroadcastService } from './service.ts';

export interface BroadcastsOptions {
  /** How often the owners' progress message may change (default 2 s). */
  progressMs?: number;
  /** Subscribers enqueued per transaction (default BROADCAST_BATCH_SIZE). */
  batchSize?: number;
}

export interface BroadcastsFeature extends Feature {
  readonly broadcasts: BroadcastService;
  readonly progress: ProgressReporter;
}

/**
 * Broadcasts: content to the subscribers of topics (direct messages on the platform each chose)
 * and to community channels, fanned out in batches through the outbox, resumed after a crash,
 * with progress in the owners' channel; `broadcast` schedules fire them later or repeatedly.
 */
export function createBroadcastsFeature(options: BroadcastsOptions = {}) {
  return (services: Services): BroadcastsFeature => {
    const progress = new ProgressReporter(services, options.progressMs ?? 2000);
    const broadcasts = new BroadcastService(
      services,
      progress,
      options.batchSize ?? services.config.BROADCAST_BATCH_SIZE,
    );
    const handler: ScheduleHandler = {
      async fire(schedule, occurrence, tx) {
        const payload = schedule.payload as { content?: unknown; audience?: unknown } | null;
        const id = await broadcasts.create(
          {
            content: contentFromJson(payload?.content),
            audience: audienceFromJson(payload?.audience),
            createdBy: schedule.createdBy,
            scheduleId: schedule.id,
            occurrence,
          },
          tx,
        );
        return async () => broadcasts.launch(id);
      },
    };
    services.scheduler.handle('broadcast', handler);
    return {
      name: 'broadcasts',
      ownerCommands: broadcastCommands(broadcasts),
      delivery: { onSent: (row, result) => progress.onSent(row, result) },
      async start() {
        await broadcasts.resumeAll();
        progress.start();
      },
      async stop() {
        await broadcasts.stop();
        await progress.stop();
      },
      broadcasts,
      progress,
    };
  };
}

export const broadcastsFeature = createBroadcastsFeature();
