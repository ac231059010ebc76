import type { HearthContext, Services } from '../../app/context.ts';
import type { OwnerCommand } from '../../app/feature.ts';
import { isPlatform } from '../../core/events.ts';
import { isUniqueViolation } from '../../members/directory.ts';
import { topReferrers } from './digest.ts';
import { personOf, reachableIdentityOf } from './person.ts';
import { newCode, normalizeCode } from './stages.ts';

/** A Telegram deep link's payload (`/start ref_<code>`). */
export const REFERRAL_PAYLOAD = /^ref_([A-Za-z0-9]{4,16})$/;

export type Credit =
  | { outcome: 'credited'; referrerId: string; referrerName: string | null }
  | { outcome: 'self' | 'already' | 'not_new' | 'unknown' };

/** The member's personal invite code, made on first use. */
export async function inviteCodeOf(services: Services, memberId: string): Promise<string> {
  const { db } = services;
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await db.memberJourney.findUnique({ where: { memberId } });
    if (row?.inviteCode) return row.inviteCode;
    const code = newCode();
    try {
      // Compared with Member.createdAt (stamped by the database clock): the wall clock, not services.now().
      const data = { inviteCode: code, inviteCodeAt: new Date() };
      await db.memberJourney.upsert({ where: { memberId }, create: { memberId, ...data }, update: data });
      return code;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new Error('could not make an invite code');
}

/** What `/invite` answers: a deep link where the platform has them, else a code to pass on. */
export function inviteText(business: string, code: string, startLink: string | undefined): string {
  if (startLink) {
    return `Share this link with a friend: ${startLink}ref_${code}\nWhen they join through it, it counts for you. Thank you for spreading the word!`;
  }
  return (
    `Here is a message to pass on to a friend:\n\n"Join me at ${business}! Message the ${business} bot and send /join ${code}"\n\n` +
    'When they join with your code, it counts for you. Thank you for spreading the word!'
  );
}

/**
 * Credits the person behind `ctx` to the owner of `code`: once per person ever (whichever of their
 * linked platforms they come on), never to oneself (any of one's linked accounts), and only for
 * someone new since the code was made (all their linked accounts newer than it).
 */
export async function creditReferral(ctx: HearthContext, code: string): Promise<Credit> {
  const { db } = ctx.services;
  const referrer = await db.memberJourney.findUnique({ where: { inviteCode: normalizeCode(code) } });
  if (!referrer) return { outcome: 'unknown' };
  const memberId = ctx.memberId;
  const [me, them] = await Promise.all([personOf(db, memberId), personOf(db, referrer.memberId)]);
  if (me.key === them.key) return { outcome: 'self' };
  if (await db.referral.findFirst({ where: { referredId: { in: me.memberIds } } }))
    return { outcome: 'already' };
  const first = await db.member.findFirst({
    where: { id: { in: me.memberIds } },
    orderBy: { createdAt: 'asc' },
  });
  if (!first || !referrer.inviteCodeAt || first.createdAt < referrer.inviteCodeAt)
    return { outcome: 'not_new' };
  try {
    await db.referral.create({
      data: {
        referredId: memberId,
        referrerId: referrer.memberId,
        platform: ctx.event.address.platform,
        at: ctx.services.now(),
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { outcome: 'already' };
    throw error;
  }
  const name = await db.member.findUnique({
    where: { id: referrer.memberId },
    select: { displayName: true },
  });
  return { outcome: 'credited', referrerId: referrer.memberId, referrerName: name?.displayName ?? null };
}

/** Tells the referrer, in their direct chat, that a friend joined (a reply to what they did, not marketing). */
export async function thankReferrer(services: Services, referrerId: string): Promise<void> {
  const { memberIds } = await personOf(services.db, referrerId);
  const identity = await reachableIdentityOf(services.db, memberIds);
  if (!identity?.dmChatId || !isPlatform(identity.platform)) return;
  await services.outbox.enqueue({
    to: { platform: identity.platform, chatId: identity.dmChatId },
    content: {
      text: 'A friend just joined through your invite. Thank you! Send /rewards to see where you are.',
    },
    memberId: referrerId,
  });
  services.wakeDelivery();
}

/** `/hearth referrals`: top referrers and how many arrived through invites. */
export function referralOwnerCommand(services: Services): OwnerCommand {
  return {
    name: 'referrals',
    usage: 'referrals',
    summary: 'top referrers and members who came through invites',
    async run(ctx) {
      const { db } = services;
      const since = new Date(services.now().getTime() - 7 * 86_400_000);
      const [top, total, week] = await Promise.all([
        topReferrers(db, {}, 10),
        db.referral.count(),
        db.referral.count({ where: { at: { gte: since } } }),
      ]);
      if (total === 0)
        return void (await ctx.reply(
          'Nobody has joined through an invite yet. Members get theirs with /invite.',
        ));
      const lines = top.map((t, i) => `${i + 1}. ${t.label}: ${t.count}`);
      await ctx.reply(
        `Members who came through invites: ${total} (${week} this week).\nTop referrers:\n${lines.join('\n')}`,
      );
    },
  };
}
