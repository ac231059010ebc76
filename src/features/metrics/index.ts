import type { HearthContext } from '../../app/context.ts';
import type { FeatureFactory } from '../../app/feature.ts';
import { Composer } from '../../core/composer.ts';
import { errorMessage, UserFacingError } from '../../core/errors.ts';
import { SubscriptionService } from '../subscriptions/service.ts';
import { FORGET_ACTION, findMember, metricsOwnerCommands } from './commands.ts';
import { digestJobs } from './digests.ts';
import { forgetMember } from './member-data.ts';
import { renderReport, STATS_ACTION } from './render.ts';
import { computeReport, isPeriod } from './report.ts';
import { usageLines } from './usage-lines.ts';

/** Owner-only buttons refuse everyone else, like the /hearth router does, and log the attempt. */
async function refuseNonOwner(ctx: HearthContext): Promise<boolean> {
  if (ctx.isOwner) return false;
  const { address, sender } = ctx.event;
  ctx.log.warn(
    { platform: address.platform, chatId: address.chatId, userId: sender.userId },
    'owner action refused: sender is not an owner',
  );
  await ctx.reply('Sorry, this button is only for the owners of this business.');
  return true;
}

/**
 * Metrics: records delivery outcomes, answers `/hearth stats|subscribers|topics|topic|member`,
 * handles the stats period buttons and the erase confirmation, and posts the daily/weekly digests.
 */
export const metricsFeature: FeatureFactory = (services) => {
  const subscriptions = new SubscriptionService(services.db, services.outbox, services.metrics);
  const composer = new Composer<HearthContext>();

  composer.action(STATS_ACTION, async (ctx) => {
    if (await refuseNonOwner(ctx)) return;
    const period = ctx.event.value ?? 'week';
    if (!isPeriod(period)) return;
    const report = await computeReport(services.db, {
      period,
      to: services.now(),
      excludePlatform: services.owners.channel.platform,
    });
    const usage = await usageLines(services, services.now());
    const content = renderReport(report, {
      periodButtons: true,
      timezone: services.config.DIGEST_TIMEZONE,
      usage,
    });
    const canEdit = ctx.capabilities?.editMessages ?? false;
    await ctx.reply(
      canEdit && ctx.event.messageId ? { ...content, editMessageId: ctx.event.messageId } : content,
    );
  });

  composer.action(FORGET_ACTION, async (ctx) => {
    if (await refuseNonOwner(ctx)) return;
    const ref = ctx.event.value ?? '';
    try {
      const identity = await findMember(services, ref);
      const result = await forgetMember(services.db, identity.memberId, services.now());
      ctx.log.info({ by: ctx.event.sender.userId, ...result }, 'member erased on request');
      await ctx.reply(
        `Erased ${ref}: ${result.identities} identity(ies), ${result.subscriptions} subscription(s), ` +
          `${result.handoffs} handoff(s), ${result.votes} vote(s), ${result.messages} message(s); ` +
          `their words and name left ${result.faqEntries} FAQ entry(ies). ` +
          'The consent ledger keeps an anonymous record of the erasure.' +
          (result.linkedKept.length > 0
            ? ` It was linked with ${result.linkedKept.join(', ')}: kept, and no longer linked to it; forget each to erase it too.`
            : ''),
      );
    } catch (error) {
      if (error instanceof UserFacingError) return void (await ctx.reply(errorMessage(error)));
      throw error;
    }
  });

  return {
    name: 'metrics',
    composer,
    ownerCommands: metricsOwnerCommands(services, subscriptions),
    jobs: digestJobs(services),
    delivery: {
      // Broadcast rows are counted by the broadcasts feature (one fact per broadcast, platform and outcome).
      async onSent(row) {
        if (row.broadcastId) return;
        await services.metrics.recordInBackground({
          type: 'delivery_sent',
          platform: row.platform,
          ...(row.memberId ? { memberId: row.memberId } : {}),
          at: services.now(),
        });
      },
      async onDead(row, error) {
        if (row.broadcastId) return;
        await services.metrics.recordInBackground({
          type: 'delivery_failed',
          platform: row.platform,
          ...(row.memberId ? { memberId: row.memberId } : {}),
          data: { error: errorMessage(error).slice(0, 200) },
          at: services.now(),
        });
      },
    },
  };
};
