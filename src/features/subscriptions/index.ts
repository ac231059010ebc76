import type { FeatureFactory } from '../../app/feature.ts';
import { subscriptionsComposer } from './composer.ts';
import { SubscriptionService } from './service.ts';

/** Subscriptions: opt in and out by topic, with a consent ledger; unreachable members are unsubscribed. */
export const subscriptionsFeature: FeatureFactory = (services) => {
  const service = new SubscriptionService(services.db, services.outbox, services.metrics);
  return {
    name: 'subscriptions',
    composer: subscriptionsComposer(service),
    start: () => service.seedTopics(services.config.HEARTH_TOPICS),
    delivery: {
      async onRecipientGone(row, error) {
        const gone = await services.members.markUnreachable(row.platform, row.chatId);
        for (const { memberId } of gone) {
          const removed = await service.unsubscribe({
            memberId,
            platform: row.platform,
            topic: null,
            source: 'platform',
            reason: error.message,
          });
          services.log.info(
            { memberId, platform: row.platform, removed },
            'recipient unreachable; unsubscribed',
          );
        }
      },
    },
  };
};
