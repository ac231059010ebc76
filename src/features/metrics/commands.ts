import type { HearthContext, Services } from '../../app/context.ts';
import type { OwnerCommand } from '../../app/feature.ts';
import { UserFacingError } from '../../core/errors.ts';
import type { Platform } from '../../core/events.ts';
import { stageLines } from '../journey/facts.ts';
import { personLabels, personOf } from '../journey/person.ts';
import type { SubscriptionService } from '../subscriptions/service.ts';
import { exportMember, parseMemberRef } from './member-data.ts';
import { renderReport } from './render.ts';
import { computeReport, isPeriod } from './report.ts';
import { subscribersReply, topicsReply } from './subscribers.ts';
import { usageLines } from './usage-lines.ts';

/** Button under `member ... forget` that confirms the erasure; value = `platform:id`. */
export const FORGET_ACTION = 'hearth.member.forget';

const TOPIC_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** Finds the member behind `platform:id`, or explains in plain words why not. */
export async function findMember(services: Services, ref: string) {
  const parsed = parseMemberRef(ref);
  if (!parsed)
    throw new UserFacingError(
      `"${ref}" is not a member reference; write it as platform:id, e.g. telegram:12345.`,
    );
  const identity = await services.db.identity.findUnique({
    where: { platform_platformUserId: parsed },
    include: { member: { include: { identities: true } } },
  });
  if (!identity)
    throw new UserFacingError(`Hearth holds nothing about ${parsed.platform}:${parsed.platformUserId}.`);
  return identity;
}

/** `/hearth stats`, `subscribers`, `topics`, `topic`, `member`: the owners' view of the community. */
export function metricsOwnerCommands(services: Services, subscriptions: SubscriptionService): OwnerCommand[] {
  const stats: OwnerCommand = {
    name: 'stats',
    usage: 'stats [day|week|month]',
    summary: 'community numbers for a period (default: week)',
    async run(ctx: HearthContext, args: string) {
      const period = args.trim().toLowerCase() || 'week';
      if (!isPeriod(period))
        throw new UserFacingError(`"${period}" is not a period; use day, week or month.`);
      const report = await computeReport(services.db, {
        period,
        to: services.now(),
        excludePlatform: services.owners.channel.platform,
      });
      const usage = await usageLines(services, services.now());
      await ctx.reply(
        renderReport(report, {
          periodButtons: true,
          timezone: ctx.services.config.DIGEST_TIMEZONE,
          usage,
        }),
      );
    },
  };

  const subscribers: OwnerCommand = {
    name: 'subscribers',
    usage: 'subscribers [topic]',
    summary: 'subscribers per platform and topic, growth, recent opt-outs',
    async run(ctx, args) {
      const topic = args.trim().toLowerCase() || undefined;
      if (topic && !(await subscriptions.topicExists(topic)))
        throw new UserFacingError(`There is no topic "${topic}".`);
      await ctx.reply(await subscribersReply(services, topic));
    },
  };

  const topics: OwnerCommand = {
    name: 'topics',
    usage: 'topics',
    summary: 'the topics customers can subscribe to',
    async run(ctx) {
      await ctx.reply(await topicsReply(services));
    },
  };

  const topic: OwnerCommand = {
    name: 'topic',
    usage: 'topic add|remove <name>',
    summary: 'add or remove a subscription topic',
    async run(ctx, args) {
      const [verb = '', rawName = '', ...extra] = args.trim().split(/\s+/).filter(Boolean);
      const name = rawName.toLowerCase();
      if ((verb !== 'add' && verb !== 'remove') || !name || extra.length > 0) {
        throw new UserFacingError('Say add or remove, then one topic name.');
      }
      if (!TOPIC_NAME.test(name)) {
        throw new UserFacingError(
          `"${rawName}" cannot be a topic: use one word of letters, digits, - or _ (up to 40).`,
        );
      }
      if (verb === 'add') {
        if (await subscriptions.topicExists(name))
          return void (await ctx.reply(`Topic "${name}" already exists.`));
        await subscriptions.addTopic(name);
        ctx.log.info({ topic: name, by: ctx.event.sender.userId }, 'topic added');
        return void (await ctx.reply(`Topic "${name}" added. Customers can now send /subscribe ${name}.`));
      }
      if (!(await subscriptions.topicExists(name))) throw new UserFacingError(`There is no topic "${name}".`);
      const members = await services.db.subscription.findMany({ where: { topic: name } });
      for (const s of members) {
        await subscriptions.unsubscribe({
          memberId: s.memberId,
          platform: s.platform as Platform,
          topic: name,
          source: 'owner',
          reason: 'topic removed',
        });
      }
      await subscriptions.removeTopic(name);
      ctx.log.info({ topic: name, unsubscribed: members.length }, 'topic removed');
      await ctx.reply(`Topic "${name}" removed; ${members.length} subscriber(s) were unsubscribed from it.`);
    },
  };

  const member: OwnerCommand = {
    name: 'member',
    usage: 'member <platform:id> [export|forget]',
    summary: 'what Hearth holds about a member; export it as a file or erase it',
    async run(ctx, args) {
      const [ref = '', action = 'show', ...extra] = args.trim().split(/\s+/).filter(Boolean);
      if (!ref || extra.length > 0 || !['show', 'export', 'forget'].includes(action)) {
        throw new UserFacingError('Name the member as platform:id, then optionally export or forget.');
      }
      const identity = await findMember(services, ref);
      const memberId = identity.memberId;
      const data = await exportMember(services.db, memberId);
      const label = `${identity.platform}:${identity.platformUserId}`;
      if (action === 'export') {
        const file = Buffer.from(JSON.stringify(data, null, 2)).toString('base64');
        await ctx.reply({
          text: `Everything Hearth holds about ${label}.`,
          file: {
            name: `member-${identity.platform}-${identity.platformUserId}.json`,
            contentBase64: file,
            mimeType: 'application/json',
          },
        });
        ctx.log.info({ memberId, by: ctx.event.sender.userId }, 'member data exported');
        return;
      }
      const person = await personOf(services.db, memberId);
      const linked = await personLabels(
        services.db,
        person.memberIds.filter((id) => id !== memberId),
      );
      const summary = [
        memberSummary(label, data),
        ...(linked.length > 0 ? [`Linked accounts (the same person, with /link): ${linked.join(', ')}`] : []),
        ...(await stageLines(services.db, memberId)),
      ].join('\n');
      if (action === 'forget') {
        await ctx.reply({
          text: `${summary}\n\nErase everything about ${label}?${linked.length > 0 ? ' Its linked accounts stay.' : ''} This cannot be undone.`,
          buttons: [[{ actionId: FORGET_ACTION, label: `Erase ${label}`, value: label }]],
        });
        return;
      }
      await ctx.reply(
        `${summary}\n\n/hearth member ${label} export sends it as a file; /hearth member ${label} forget erases it.`,
      );
    },
  };

  return [stats, subscribers, topics, topic, member];
}

function memberSummary(label: string, data: Record<string, unknown>): string {
  const count = (key: string) => (Array.isArray(data[key]) ? (data[key] as unknown[]).length : 0);
  const member = data.member as { displayName?: string | null; createdAt?: string } | null;
  const identities = (data.identities as { platform: string; platformUserId: string }[]).map(
    (i) => `${i.platform}:${i.platformUserId}`,
  );
  const topics = (data.subscriptions as { topic: string }[]).map((s) => s.topic);
  return [
    `Member ${label}${member?.displayName ? ` (${member.displayName})` : ''}, first seen ${member?.createdAt ?? '?'}`,
    `Identities: ${identities.join(', ')}`,
    `Subscribed to: ${topics.length > 0 ? topics.join(', ') : 'nothing'}`,
    `Consent ledger entries: ${count('consentLedger')}, handoffs: ${count('handoffs')}, poll votes: ${count('pollVotes')}, messages sent to them: ${count('messagesToMember')}`,
  ].join('\n');
}
