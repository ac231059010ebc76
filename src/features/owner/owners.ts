import type { Owners } from '../../app/context.ts';
import type { Config } from '../../config.ts';
import type { InboundEvent } from '../../core/events.ts';

/** The console's stand-in for the owners' Slack channel when none is configured. */
export const CONSOLE_OWNERS_CHANNEL = '#owners';

/**
 * Owners are whoever writes in the private owners' Slack channel, plus the Slack user ids listed in
 * SLACK_OWNER_USER_IDS (wherever they write on Slack). Members of the owners' channel writing
 * elsewhere on Slack count too: the Slack adapter marks them `sender.isAdmin`. Nobody on a customer
 * platform is an owner.
 */
export function createOwners(config: Config): Owners {
  const channelId = config.SLACK_OWNERS_CHANNEL ?? CONSOLE_OWNERS_CHANNEL;
  const ownerUserIds = new Set(config.SLACK_OWNER_USER_IDS);
  return {
    channel: { platform: 'slack', chatId: channelId },
    isOwner(event: InboundEvent): boolean {
      if (event.address.platform !== 'slack' || event.sender.isBot) return false;
      return (
        event.address.chatId === channelId ||
        ownerUserIds.has(event.sender.userId) ||
        event.sender.isAdmin === true
      );
    },
  };
}
