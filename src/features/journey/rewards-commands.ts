import type { HearthContext, Services } from '../../app/context.ts';
import type { OwnerCommand } from '../../app/feature.ts';
import { Composer } from '../../core/composer.ts';
import { UserFacingError } from '../../core/errors.ts';
import { findMember } from '../metrics/commands.ts';
import { SubscriptionService } from '../subscriptions/service.ts';
import { readFacts } from './facts.ts';
import {
  describeCondition,
  JOIN_LEVEL_ACTION,
  parseConditions,
  progressText,
  rankOf,
  readRewards,
  writeRewards,
} from './rewards.ts';

const LEVEL_NAME = /^[a-z][a-z0-9_-]{0,29}$/;

const USAGE = [
  'rewards - the rules and who reached each level',
  'rewards set <level>: 3 referrals or customer and 5 votes or invited',
  'rewards remove <level>',
  'rewards invite <platform:id> - invite a member (the "invited" way in)',
].join('\n');

/** `/hearth rewards ...`: owners set the levels' rules, see who reached them, invite members. */
export function rewardsOwnerCommand(
  services: Services,
  sync: (memberId: string) => Promise<void>,
): OwnerCommand {
  return {
    name: 'rewards',
    usage: 'rewards [set <level>: <ways>|remove <level>|invite <platform:id>]',
    summary: 'reward levels (the council) and the ways members reach them',
    async run(ctx, args) {
      const rules = await readRewards(services);
      const m = /^(\S+)?\s*([\s\S]*)$/.exec(args.trim());
      const verb = (m?.[1] ?? '').toLowerCase();
      const rest = (m?.[2] ?? '').trim();
      if (!verb) {
        const counts = await services.db.memberJourney.groupBy({ by: ['level'], _count: { _all: true } });
        const lines = rules.levels.map(
          (l) =>
            `${l.name}: ${l.anyOf.map(describeCondition).join(', or ')} · members: ${counts.find((c) => c.level === l.name)?._count._all ?? 0}`,
        );
        return void (await ctx.reply(
          `Reward levels (lowest first):\n${lines.join('\n') || 'none'}\n\n${USAGE}`,
        ));
      }
      if (verb === 'set') {
        const parts = /^([^:\s]+)\s*:\s*([\s\S]+)$/.exec(rest);
        const name = (parts?.[1] ?? '').toLowerCase();
        if (!parts?.[2] || !LEVEL_NAME.test(name))
          throw new UserFacingError(`Say the level, a colon, then the ways in.\n${USAGE}`);
        const parsed = parseConditions(parts[2]);
        if ('error' in parsed) {
          throw new UserFacingError(
            `I don't understand "${parsed.error}". Use referrals, votes, purchases, customer, invited.`,
          );
        }
        const existing = rules.levels.findIndex((l) => l.name === name);
        const level = { name, anyOf: parsed.conditions };
        if (existing >= 0) rules.levels[existing] = level;
        else rules.levels.push(level);
        await writeRewards(services, rules);
        await services.db.topic.upsert({
          where: { name },
          create: { name, description: `for ${name} members` },
          update: {},
        });
        return void (await ctx.reply(
          `${name}: ${parsed.conditions.map(describeCondition).join(', or ')}. Members see their progress with /rewards; ` +
            `${name}-only broadcasts and polls go to ${name}.`,
        ));
      }
      if (verb === 'remove') {
        const name = rest.toLowerCase();
        if (!rules.levels.some((l) => l.name === name))
          throw new UserFacingError(`There is no level "${name}".`);
        await writeRewards(services, { levels: rules.levels.filter((l) => l.name !== name) });
        return void (await ctx.reply(`Level ${name} removed; members who reached it keep it.`));
      }
      if (verb === 'invite') {
        const identity = await findMember(services, rest);
        await services.db.journeyFact.create({
          data: {
            memberId: identity.memberId,
            kind: 'owner_invite',
            by: ctx.event.sender.userId,
            at: services.now(),
          },
        });
        await sync(identity.memberId);
        const row = await readFacts(services.db, identity.memberId);
        return void (await ctx.reply(
          `Invited ${rest}. Their level: ${row?.level ?? 'none yet (no level has "invited" as a way in)'}.`,
        ));
      }
      throw new UserFacingError(USAGE);
    },
  };
}

/** `/rewards`, the level topics' gate on /subscribe, and the "Join the council topic" button. */
export function rewardsComposer(services: Services): Composer<HearthContext> {
  const subscriptions = new SubscriptionService(services.db, services.outbox, services.metrics);
  const composer = new Composer<HearthContext>();
  /** Null when the member may follow `topic`; else the friendly refusal. */
  const refusal = async (ctx: HearthContext, topic: string): Promise<string | null> => {
    const rules = await readRewards(services);
    const needed = rankOf(rules, topic);
    if (needed < 0) return null;
    const { level } = await readFacts(services.db, ctx.memberId);
    if (rankOf(rules, level) >= needed) return null;
    return `The ${topic} topic is for our ${topic} members. Send /rewards to see the ways to join; we'd love to have you there.`;
  };

  composer.command('rewards', async (ctx) => {
    const facts = await readFacts(services.db, ctx.memberId);
    await ctx.reply(progressText(await readRewards(services), facts, services.config.BUSINESS_NAME));
  });

  composer.command('subscribe', async (ctx, next) => {
    const topic = ctx.event.args.trim().toLowerCase().split(/\s+/)[0] ?? '';
    const refused = topic ? await refusal(ctx, topic) : null;
    if (refused) return ctx.reply(refused);
    return next();
  });

  composer.action(JOIN_LEVEL_ACTION, async (ctx) => {
    const topic = ctx.event.value ?? '';
    const refused = await refusal(ctx, topic);
    if (refused || !ctx.member || !(await subscriptions.topicExists(topic))) {
      return ctx.reply(refused ?? 'Sorry, that topic is no longer available.');
    }
    const created = await subscriptions.subscribe({
      memberId: ctx.member.memberId,
      identityId: ctx.member.identityId,
      platform: ctx.event.address.platform,
      topic,
      source: 'user',
    });
    await ctx.reply(
      created
        ? `You're in: ${topic} news and events come here. /unsubscribe ${topic} stops them any time.`
        : `You already follow ${topic}.`,
    );
  });
  return composer;
}
