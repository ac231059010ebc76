import type { FeatureFactory, OwnerCommand } from '../../app/feature.ts';
import { channelsComposer } from './composer.ts';
import { type ChannelRow, ChannelService } from './service.ts';

function describe(channel: ChannelRow): string {
  const where = `${channel.platform} ${channel.chatId}${channel.threadId ? ` topic ${channel.threadId}` : ''}`;
  const title = channel.title ? ` "${channel.title}"` : '';
  return `${channel.active ? '•' : '○'} #${channel.name ?? channel.chatId} - ${channel.kind}${title} (${where})${channel.active ? '' : ' - inactive'}`;
}

/** Community channels: registered by a chat's admin, listed for the owners, deactivated when the bot leaves. */
export const channelsFeature: FeatureFactory = (services) => {
  const service = new ChannelService(services.db);
  const list: OwnerCommand = {
    name: 'channels',
    usage: 'channels',
    summary: 'community channels (groups and channels where broadcasts and polls can go)',
    async run(ctx) {
      const channels = await service.list();
      if (channels.length === 0) {
        await ctx.reply(
          'No community channels yet. Add the bot to a group or channel, then an admin sends /register <name> there.',
        );
        return;
      }
      await ctx.reply(`Community channels:\n${channels.map(describe).join('\n')}`);
    },
  };
  return {
    name: 'channels',
    composer: channelsComposer(service),
    ownerCommands: [list],
    delivery: {
      // The platform refused for good (bot kicked from the group, not a member of the channel).
      async onRecipientGone(row) {
        const count = await service.deactivateChat(row.platform, row.chatId);
        if (count > 0)
          services.log.info({ chatId: row.chatId }, 'cannot post any more; community channel deactivated');
      },
    },
  };
};
