import type { HearthContext } from '../../app/context.ts';
import type { FeatureFactory } from '../../app/feature.ts';
import { Composer } from '../../core/composer.ts';
import { installMarketingGate } from './gate.ts';
import { restraintGate } from './restraint.ts';
import { restraintOwnerCommands, timezoneCommand } from './restraint-commands.ts';
import { JourneyService } from './service.ts';
import { PURCHASE_CODE_TEXT, redeemCode, stageOwnerCommands } from './stages.ts';

const REDEMPTION_REPLIES = {
  redeemed: 'Thank you for your purchase! It is recorded.',
  already_yours: 'You already sent this code; it is recorded. Thank you!',
  used: 'This code was already used. If you think that is a mistake, just tell us here.',
  unknown: "I don't know that code. Please check it and send it again.",
} as const;

/**
 * The customer journey: stages derived from recorded facts (with history), purchase codes, marketing
 * restraint (weekly cap, quiet hours, the consent audit), and the owners' view of it. Installed before the other features: it sees every event first and derives
 * the sender's stage again once the others have handled it.
 */
export const journeyFeature: FeatureFactory = (services) => {
  const journey = new JourneyService(services);
  const composer = new Composer<HearthContext>();

  composer.use(async (ctx, next) => {
    await next();
    if (!ctx.member || ctx.isOwner) return;
    await journey.sync(ctx.memberId);
  });

  composer.command('timezone', timezoneCommand);

  composer.command('code', async (ctx) => {
    const text = ctx.event.args.trim();
    if (!text) return ctx.reply('Send /code followed by the code on your receipt.');
    await ctx.reply(REDEMPTION_REPLIES[await redeemCode(services.db, ctx.memberId, text, services.now())]);
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
    composer,
    ownerCommands: [
      ...stageOwnerCommands(services, (memberId) => journey.sync(memberId)),
      ...restraintOwnerCommands(services),
    ],
    async start() {
      if (services.config.MARKETING_RESTRAINT) installMarketingGate(services.db, restraintGate(services));
    },
    async stop() {
      installMarketingGate(services.db, undefined);
    },
  };
};
