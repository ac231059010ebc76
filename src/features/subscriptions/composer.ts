import type { HearthContext } from '../../app/context.ts';
import { Composer } from '../../core/composer.ts';
import type { SubscriptionService } from './service.ts';

/** Plain words that always unsubscribe from everything, whatever else is going on. */
export const STOP_WORDS = /^(stop|unsubscribe|stop all|cancel|end|quit|stopall)[.!]*$/i;

/** Plain words that ask to get updates again (after STOP). */
export const START_WORDS = /^(start|unstop|resume|subscribe)[.!]*$/i;
/** The button under a re-subscribe offer; its value is the topic. */
export const SUBSCRIBE_ACTION = 'subscriptions:subscribe';

function topicName(args: string): string {
  return args.trim().toLowerCase().split(/\s+/)[0] ?? '';
}

/**
 * A topic name the customer typed, fit to be quoted back: letters, digits, `-` and `_` only. Anything
 * else ("@someone", "shop.example") could become a mention or a link on the platform, so it is not
 * repeated.
 */
function quotable(name: string): string | undefined {
  return /^[\p{L}\p{N}_-]{1,40}$/u.test(name) ? name : undefined;
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
    '/link - one of you on several platforms: link your accounts',
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

  /** Help, and an offer to (re-)subscribe when the member gets no updates now. */
  async function welcome(ctx: HearthContext): Promise<void> {
    const help = helpText(ctx.services.config.BUSINESS_NAME);
    const [topics, mine] = await Promise.all([service.listTopics(), service.topicsOf(ctx.memberId)]);
    const first = topics[0]?.name;
    if (!first || mine.length > 0) {
      await ctx.reply(help);
      return;
    }
    await ctx.reply({
      text: `${help}\n\nYou're not getting our updates at the moment. Want them again? Send /subscribe ${first} or press the button.`,
      buttons: [[{ actionId: SUBSCRIBE_ACTION, label: `Subscribe to ${first}`, value: first }]],
    });
  }

  composer.command(['start', 'help'], async (ctx) => {
    if (ctx.event.name === 'start' && ctx.event.isDirect) return welcome(ctx);
    await ctx.reply(helpText(ctx.services.config.BUSINESS_NAME));
  });

  composer.hears(START_WORDS, async (ctx, next) => {
    if (!ctx.event.isDirect) return next();
    await welcome(ctx);
  });

  composer.action(SUBSCRIBE_ACTION, async (ctx) => {
    const topic = topicName(ctx.event.value ?? '');
    const topics = await service.listTopics();
    if (!ctx.event.isDirect || !ctx.member || !topics.some((t) => t.name === topic)) {
      await ctx.reply('That topic is gone. Send /topics to see what you can subscribe to.');
      return;
    }
    const created = await service.subscribe({
      memberId: ctx.member.memberId,
      identityId: ctx.member.identityId,
      platform: ctx.event.address.platform,
      topic,
      source: 'user',
    });
    await ctx.reply(
      created
        ? `You're subscribed to ${topic} again. Welcome back!`
        : `You're already subscribed to ${topic}.`,
    );
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
      const asked = quotable(requested);
      const names = topics.map((t) => t.name).join(', ');
      return ctx.reply(`There is no topic ${asked ? `"${asked}"` : 'by that name'}. Topics: ${names}.`);
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
      const asked = quotable(requested);
      if (all) return ctx.reply("You're not subscribed to anything.");
      return ctx.reply(
        asked ? `You're not subscribed to ${asked}.` : "You're not subscribed to a topic by that name.",
      );
    }
    await ctx.reply(`You're unsubscribed from ${removed.join(', ')}.`);
  });

  return composer;
}
