import type { Owners } from '../app/context.ts';
import type { ChatAddress, InboundEvent } from '../core/events.ts';

/** The console's stand-in for the owners' Slack channel when no adapter hosts the owners' room. */
export const CONSOLE_OWNERS_CHANNEL: ChatAddress = { platform: 'slack', chatId: '#owners' };

/**
 * The owners: their room is the one the owners' adapter hosts (Slack's SLACK_OWNERS_CHANNEL, or the
 * console's `#owners`). Who is an owner is that adapter's decision (it marks `sender.isOwner`: a
 * member of the owners' channel, a listed owner id); the core trusts the mark only from events on
 * the owners' platform, so no customer platform can make anyone an owner.
 */
export function createOwners(channel: ChatAddress = CONSOLE_OWNERS_CHANNEL): Owners {
  return {
    channel,
    isOwner(event: InboundEvent): boolean {
      return (
        event.address.platform === channel.platform && !event.sender.isBot && event.sender.isOwner === true
      );
    },
  };
}
