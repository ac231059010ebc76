import type { HearthContext } from '../../app/context.ts';
import { Composer } from '../../core/composer.ts';
import type { ChannelService } from './service.ts';

/**
 * `/register [name]` and `/unregister`, sent in a group or channel by one of its admins; the bot
 * being removed from a chat deactivates it; being added to a group says how to register it.
 */
export function channelsComposer(service: ChannelService): Composer<HearthContext> {
  const composer = new Composer<HearthContext>();

  composer.command(['register', 'unregister'], async (ctx) => {
    const { event } = ctx;
    const registering = event.name === 'register';
    if (event.isDirect) {
      await ctx.reply(`Send /${event.name} in the group or channel itself (you must be one of its admins).`);
      return;
    }
    if (event.sender.isChatAdmin === 'unknown') {
      await ctx.reply(
        `I couldn't check your admin rights in this chat just now, so nothing was changed. Please send /${event.name} again in a minute.`,
      );
      return;
    }
    if (event.sender.isChatAdmin !== true) {
      ctx.log.warn(
        { platform: event.address.platform, chatId: event.address.chatId, userId: event.sender.userId },
        `/${event.name} refused: sender is not an admin of the chat`,
      );
      await ctx.reply(`Only an admin of this chat can ${registering ? 'register' : 'unregister'} it.`);
      return;
    }
    if (!registering) {
      const removed = await service.unregister(event.address);
      await ctx.reply(
        removed
          ? 'This chat is no longer a community channel: broadcasts and polls will not come here.'
          : 'This chat is not registered as a community channel.',
      );
      return;
    }
    const { channel, created } = await service.register({
      address: event.address,
      name: event.args.split(/\s+/)[0] ?? '',
      ...(event.chat?.title ? { title: event.chat.title } : {}),
      kind: event.chat?.kind === 'channel' ? 'channel' : 'group',
      registeredBy: ctx.memberId,
    });
    ctx.log.info({ channel: channel.name, chatId: channel.chatId, created }, 'community channel registered');
    await ctx.reply(
      `${created ? 'Registered' : 'Updated'}: this chat is the community channel #${channel.name}. ` +
        'Owners can send broadcasts and polls here. An admin can stop that with /unregister.',
    );
  });

  composer.on('member', async (ctx, next) => {
    const { event } = ctx;
    if (!event.aboutBot || event.isDirect) return next();
    if (event.change === 'moved' && event.movedTo) {
      const { platform, chatId } = event.address;
      const moved = await service.moveChat(platform, chatId, event.movedTo);
      if (moved > 0)
        ctx.log.info({ from: chatId, to: event.movedTo }, 'community channel moved to its new chat id');
      return;
    }
    if (event.change === 'left') {
      const count = await service.deactivateChat(event.address.platform, event.address.chatId);
      if (count > 0)
        ctx.log.info({ chatId: event.address.chatId }, 'bot removed; community channel deactivated');
      return;
    }
    if (event.change === 'joined' && event.chat?.kind !== 'channel') {
      const registered = await service.activeIn(event.address.platform, event.address.chatId);
      const names = registered.map((channel) => `#${channel.name}`).join(', ');
      await ctx.reply(
        registered.length > 0
          ? `Hello again! This group is still registered as the community channel ${names}: broadcasts and polls come here. An admin can stop that with /unregister.`
          : 'Hello! An admin of this group can send /register to make it a community channel.',
      );
      return;
    }
    return next();
  });

  return composer;
}
