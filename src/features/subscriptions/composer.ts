import type { HearthContext } from '../../app/context.ts';
import { Composer } from '../../core/composer.ts';
import type { SubscriptionService } from './service.ts';

/** Plain words that always unsubscribe from everything, whatever else is going on. */
export const STOP_WORDS = /^(stop|unsubscribe|stop all|cancel|end|quit|stopall)[.!]*$/i;

function topicName(args: string): string {
  return args.trim().toLowerCase().split(/\s+/)[0] ?? '';
}

export function helpText(business: string): string {
  return [
    `Hi! I'm the ${business} assistant. Ask me anything, or use:`,
    '/subscribe [topic] - get our updates',
    '/unsubscribe [topic|all] - stop them (or just send STOP)',
    '/topics - what you can subscribe to',
    '/invite - invite a friend',
    '/rewards - your rewards and the customer council',
    '/timezone - your timezone (we never message you at night)',
    '/help - this message',
  ].join('\n');
}

/** /subscribe, /unsubscribe, /topics, /start, /help and STOP. */
export function subscriptionsComposer(service: SubscriptionService): Composer<HearthContext> {
  const composer = new Composer<HearthContext>();

  // The platform says the member blocked the bot (e.g. Telegram's my_chat_member): we can no
  // longer write to them, so they are unsubscribed with a ledger entry from the platform.
  composer.on('member', async (ctx, next) => {
    if (ctx.event.change !== 'blocked' || !ctx.event.isDirect) return next();
    const { platform, chatId } = ctx.event.address;
    await ctx.services.members.markUnreachable(platform, chatId);
    const removed = await service.unsubscribe({
      memberId: ctx.memberId,
      platform,
      topic: null,
      source: 'platform',
      reason: 'blocked the bot',
    });
    ctx.log.info({ memberId: ctx.memberId, platform, removed }, 'member blocked the bot; unsubscribed');
  });

  composer.hears(STOP_WORDS, async (ctx) => {
    const removed = await service.unsubscribe({
      memberId: ctx.memberId,
      platform: ctx.event.address.platform,
      topic: null,
      source: 'user',
      reason: 'stop word',
    });
    await ctx.reply(
      removed.length > 0
        ? `You're unsubscribed from everything (${removed.join(', ')}). You won't get updates from us. Send /subscribe to come back.`
        : "You're not subscribed to anything, so you won't get updates from us.",
    );
  });

  composer.command(['start', 'help'], async (ctx) => {
    await ctx.reply(helpText(ctx.services.config.BUSINESS_NAME));
  });

  composer.command('topics', async (ctx) => {
    const [topics, mine] = await Promise.all([service.listTopics(), service.topicsOf(ctx.memberId)]);
    if (topics.length === 0) return ctx.reply('There are no topics to subscribe to yet.');
    const lines = topics.map(
      (t) => `${mine.includes(t.name) ? '✓' : '•'} ${t.name}${t.description ? ` - ${t.description}` : ''}`,
    );
    await ctx.reply(`Topics:\n${lines.join('\n')}\n\nSend /subscribe <topic> or /unsubscribe <topic>.`);
  });

  composer.command('subscribe', async (ctx) => {
    if (!ctx.event.isDirect) {
      return ctx.reply('To get updates, message me privately and send /subscribe there.');
    }
    const topics = await service.listTopics();
    const requested = topicName(ctx.event.args) || topics[0]?.name;
    if (!requested) return ctx.reply('There are no topics to subscribe to yet.');
    if (!topics.some((t) => t.name === requested)) {
      return ctx.reply(`There is no topic "${requested}". Topics: ${topics.map((t) => t.name).join(', ')}.`);
    }
    const member = ctx.member!;
    const created = await service.subscribe({
      memberId: member.memberId,
      identityId: member.identityId,
      platform: ctx.event.address.platform,
      topic: requested,
      source: 'user',
    });
    await ctx.reply(
      created
        ? `You're subscribed to ${requested}. You can stop any time with /unsubscribe ${requested} or STOP.`
        : `You're already subscribed to ${requested}.`,
    );
  });

  composer.command('unsubscribe', async (ctx) => {
    const requested = topicName(ctx.event.args);
    const all = requested === '' || requested === 'all';
    const removed = await service.unsubscribe({
      memberId: ctx.memberId,
      platform: ctx.event.address.platform,
      topic: all ? null : requested,
      source: 'user',
    });
    if (removed.length === 0) {
      return ctx.reply(all ? "You're not subscribed to anything." : `You're not subscribed to ${requested}.`);
    }
    await ctx.reply(`You're unsubscribed from ${removed.join(', ')}.`);
  });

  return composer;
}
