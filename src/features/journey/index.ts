import type { HearthContext } from '../../app/context.ts';
import type { Feature, FeatureFactory } from '../../app/feature.ts';
import { Composer } from '../../core/composer.ts';
import { STOP_WORDS } from '../subscriptions/composer.ts';
import { installMarketingGate } from './gate.ts';
import { linkCommand } from './link.ts';
import {
  type Credit,
  creditReferral,
  inviteCodeOf,
  inviteText,
  REFERRAL_PAYLOAD,
  referralOwnerCommand,
  thankReferrer,
} from './referrals.ts';
import { restraintGate } from './restraint.ts';
import { restraintOwnerCommands, timezoneCommand } from './restraint-commands.ts';
import { promote } from './rewards.ts';
import { rewardsComposer, rewardsOwnerCommand } from './rewards-commands.ts';
import { SERIES_LINK_ACTION, SeriesService } from './series.ts';
import { seriesOwnerCommand } from './series-commands.ts';
import { JourneyService } from './service.ts';
import { PURCHASE_CODE_TEXT, redeemCode, stageOwnerCommands } from './stages.ts';

const REDEMPTION_REPLIES = {
  redeemed: 'Thank you for your purchase! It is recorded.',
  already_yours: 'You already sent this code; it is recorded. Thank you!',
  used: 'This code was already used. If you think that is a mistake, just tell us here.',
  unknown: "I don't know that code. Please check it and send it again.",
} as const;

function creditReply(credit: Credit): string {
  switch (credit.outcome) {
    case 'credited':
      return `Welcome! You came through ${credit.referrerName ?? 'a friend'}'s invite. Thank you both!`;
    case 'self':
      return "That's your own invite. Share it with a friend!";
    case 'already':
      return 'You already joined through an invite. Welcome back!';
    case 'not_new':
      return 'Invites count for people new to us, and you were here already. Welcome back!';
    case 'unknown':
      return "I don't know that invite code. Please check it and send it again.";
  }
}

/**
 * Whether an event may change its sender's facts. Plain messages (mostly questions) do so only when
 * they are the sender's first, STOP, a numbered vote or a purchase code: the rest skip the derivation.
 */
function mayChangeFacts(ctx: HearthContext): boolean {
  if (ctx.event.kind !== 'message' || ctx.member?.isNew) return true;
  const text = ctx.event.text.trim();
  return STOP_WORDS.test(text) || /^[\d\s,]+$/.test(text) || PURCHASE_CODE_TEXT.test(text);
}

/** The journey feature, with its services (tests drive the series with an injected clock). */
export interface JourneyFeature extends Feature {
  journey: JourneyService;
  series: SeriesService;
}

/**
 * The customer journey: stages derived from recorded facts (with history), purchase codes, marketing
 * restraint (weekly cap, quiet hours, the consent audit), welcome series, and the owners' view of it.
 * Installed before the other features: it sees every event first and derives the sender's journey
 * again once the others have handled it.
 */
export const journeyFeature: FeatureFactory = (services): JourneyFeature => {
  const journey = new JourneyService(services);
  const series = new SeriesService(services);
  journey.onFacts((personKey, facts, at) => promote(services, personKey, facts, at));
  journey.onFacts(async (_personKey, facts, at) => {
    for (const memberId of facts.memberIds) await series.syncMember(memberId, at);
    return false;
  });
  const composer = new Composer<HearthContext>();

  composer.use(async (ctx, next) => {
    await next();
    if (!ctx.member || ctx.isOwner || !mayChangeFacts(ctx)) return;
    await journey.sync(ctx.memberId);
  });

  composer.command('timezone', timezoneCommand);
  composer.command(
    'link',
    linkCommand(services, (memberId) => journey.sync(memberId)),
  );
  composer.use(rewardsComposer(services).middleware());

  const credit = async (ctx: HearthContext, code: string) => {
    const result = await creditReferral(ctx, code);
    await ctx.reply(creditReply(result));
    if (result.outcome !== 'credited') return;
    ctx.log.info({ memberId: ctx.memberId, referrerId: result.referrerId }, 'referral credited');
    await thankReferrer(services, result.referrerId);
    await journey.sync(result.referrerId);
  };

  composer.command('invite', async (ctx) => {
    const code = await inviteCodeOf(services, ctx.memberId);
    await ctx.reply(inviteText(services.config.BUSINESS_NAME, code, ctx.capabilities?.startLink));
  });

  composer.command('join', async (ctx) => {
    const code = ctx.event.args.trim();
    if (!code) return ctx.reply('Send /join followed by the code your friend gave you.');
    await credit(ctx, code);
  });

  // A deep link's payload (`/start ref_<code>`): credited, then /start's usual welcome.
  composer.command('start', async (ctx, next) => {
    const payload = REFERRAL_PAYLOAD.exec(ctx.event.args.trim());
    if (payload?.[1]) await credit(ctx, payload[1]);
    return next();
  });

  composer.command('code', async (ctx) => {
    const text = ctx.event.args.trim();
    if (!text) return ctx.reply('Send /code followed by the code on your receipt.');
    await ctx.reply(REDEMPTION_REPLIES[await redeemCode(services.db, ctx.memberId, text, services.now())]);
  });

  // A series step's link button: counted as a click-through, answered with the link.
  composer.action(SERIES_LINK_ACTION, async (ctx) => {
    const [seriesId = '', stepText = ''] = (ctx.event.value ?? '').split(':');
    const idx = Number(stepText);
    const step = Number.isInteger(idx)
      ? await services.db.seriesStep.findUnique({ where: { seriesId_idx: { seriesId, idx } } })
      : null;
    if (!step?.linkUrl) return ctx.reply('Sorry, that link is no longer available.');
    await services.metrics.record({
      type: 'series_click',
      platform: ctx.event.address.platform,
      memberId: ctx.memberId,
      data: { seriesId, step: idx },
    });
    await ctx.reply(`${step.linkLabel ?? 'Link'}: ${step.linkUrl}`);
  });

  // A purchase code sent on its own in a direct chat; anything else goes on to the other features.
  composer.on('message', async (ctx, next) => {
    const text = ctx.event.text.trim();
    if (!ctx.event.isDirect || !PURCHASE_CODE_TEXT.test(text)) return next();
    const outcome = await redeemCode(services.db, ctx.memberId, text, services.now());
    if (outcome === 'unknown') return next();
    await ctx.reply(REDEMPTION_REPLIES[outcome]);
  });

  return {
    name: 'journey',
    journey,
    series,
    composer,
    ownerCommands: [
      ...stageOwnerCommands(services, (memberId) => journey.sync(memberId)),
      ...restraintOwnerCommands(services),
      seriesOwnerCommand(services, series),
      referralOwnerCommand(services),
      rewardsOwnerCommand(services, (memberId) => journey.sync(memberId)),
    ],
    jobs: [
      {
        name: 'journey.series',
        cron: '* * * * *',
        timezone: 'UTC',
        run: async () => {
          await series.sendDue();
        },
      },
    ],
    async start() {
      if (services.config.MARKETING_RESTRAINT) installMarketingGate(services.db, restraintGate(services));
    },
    async stop() {
      installMarketingGate(services.db, undefined);
    },
  };
};
