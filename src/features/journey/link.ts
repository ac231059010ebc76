import type { HearthContext, Services } from '../../app/context.ts';
import { isPlatform, type Platform } from '../../core/events.ts';
import type { Tx } from '../../db/database.ts';
import { isUniqueViolation } from '../../members/directory.ts';
import { type Person, personOf } from './person.ts';
import { rankOf, readRewards } from './rewards.ts';
import { newCode, normalizeCode } from './stages.ts';

/** How long a `/link` code works. */
export const LINK_CODE_TTL_MS = 15 * 60_000;
const LINK_CODE_LENGTH = 6;
/** Wrong codes allowed in GUESS_WINDOW_MS: per member, and from everyone together. */
const GUESS_WINDOW_MS = 15 * 60_000;
const MEMBER_GUESSES = 5;
const ALL_GUESSES = 200;
/** The metric fact a wrong code leaves (what the guess limits count). */
const LINK_FAILED = 'link_code_failed';

/** How a platform is named to customers. */
export const PLATFORM_NAMES: Record<Platform, string> = {
  telegram: 'Telegram',
  discord: 'Discord',
  x: 'X',
  slack: 'Slack',
  console: 'the console',
};

export type LinkResult =
  | { outcome: 'linked'; key: string; otherMemberId: string; otherPlatform: string; uncredited: string[] }
  | { outcome: 'unknown' | 'own' | 'already' | 'overlap' | 'too_many' };

/** A new one-time code for `memberId` (any earlier code of theirs stops working). */
export async function newLinkCode(services: Services, memberId: string, platform: Platform): Promise<string> {
  const { db } = services;
  const now = services.now();
  await db.linkCode.deleteMany({ where: { OR: [{ memberId }, { expiresAt: { lte: now } }] } });
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = newCode(LINK_CODE_LENGTH);
    try {
      await db.linkCode.create({
        data: {
          code,
          memberId,
          platform,
          createdAt: now,
          expiresAt: new Date(now.getTime() + LINK_CODE_TTL_MS),
        },
      });
      return code;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new Error('could not make a link code');
}

/**
 * `memberId` sends a code made on another platform: once it is checked (known, unexpired, not their
 * own, no platform on both sides) it is used up and both persons become one. Wrong codes are
 * counted, and too many in a while refuse further tries.
 */
export async function redeemLinkCode(
  services: Services,
  memberId: string,
  platform: Platform,
  text: string,
): Promise<LinkResult> {
  const { db } = services;
  const now = services.now();
  const since = new Date(now.getTime() - GUESS_WINDOW_MS);
  const [mine, all] = await Promise.all([
    db.metricEvent.count({ where: { type: LINK_FAILED, memberId, at: { gt: since } } }),
    db.metricEvent.count({ where: { type: LINK_FAILED, at: { gt: since } } }),
  ]);
  if (mine >= MEMBER_GUESSES || all >= ALL_GUESSES) return { outcome: 'too_many' };
  const code = normalizeCode(text);
  const row = /^[A-Z0-9]{4,12}$/.test(code) ? await db.linkCode.findUnique({ where: { code } }) : null;
  if (!row || row.expiresAt.getTime() <= now.getTime()) {
    await db.metricEvent.create({ data: { type: LINK_FAILED, platform, memberId, at: now } });
    return { outcome: 'unknown' };
  }
  if (row.memberId === memberId) return { outcome: 'own' };
  const [me, them] = await Promise.all([personOf(db, memberId), personOf(db, row.memberId)]);
  if (me.key === them.key) {
    await db.linkCode.deleteMany({ where: { code } });
    return { outcome: 'already' };
  }
  const platforms = await db.identity.findMany({
    where: { memberId: { in: [...me.memberIds, ...them.memberIds] } },
    select: { memberId: true, platform: true },
  });
  const mySide = new Set(platforms.filter((p) => me.memberIds.includes(p.memberId)).map((p) => p.platform));
  if (platforms.some((p) => them.memberIds.includes(p.memberId) && mySide.has(p.platform))) {
    await db.linkCode.deleteMany({ where: { code } });
    return { outcome: 'overlap' };
  }
  const levelRank = rankOf.bind(null, await readRewards(services));
  const linked = await db.$transaction(async (tx) => {
    const used = await tx.linkCode.deleteMany({ where: { code, memberId: row.memberId } });
    if (used.count !== 1) return null;
    return linkPersons(tx, me, them, levelRank);
  });
  if (!linked) return { outcome: 'unknown' };
  return { outcome: 'linked', otherMemberId: row.memberId, otherPlatform: row.platform, ...linked };
}

/**
 * Makes two persons one: every member takes the key of the earliest; the journey state moves to
 * the key's row (its timezone, else the other's; the higher level); then each referral rule is kept
 * for the person: credited once (the earliest credit that still holds), never by oneself, and only
 * when every account of the person is newer than the invite. Returns the referrers who lost a credit.
 */
async function linkPersons(
  tx: Tx,
  a: Person,
  b: Person,
  levelRank: (level: string | null) => number,
): Promise<{ key: string; uncredited: string[] }> {
  const ids = [...a.memberIds, ...b.memberIds];
  const members = await tx.member.findMany({
    where: { id: { in: ids } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const key = members[0]?.id ?? a.key;
  const oldKey = key === a.key ? b.key : a.key;
  await tx.member.updateMany({ where: { id: { in: ids } }, data: { personId: key } });

  const [kept, moved] = await Promise.all([
    tx.memberJourney.findUnique({ where: { memberId: key } }),
    tx.memberJourney.findUnique({ where: { memberId: oldKey } }),
  ]);
  if (moved) {
    const higher = levelRank(moved.level) > levelRank(kept?.level ?? null);
    const data = {
      timezone: kept?.timezone ?? moved.timezone,
      ...(higher ? { level: moved.level, levelSince: moved.levelSince } : {}),
    };
    await tx.memberJourney.upsert({
      where: { memberId: key },
      create: { memberId: key, ...data },
      update: data,
    });
    await tx.memberJourney.update({
      where: { memberId: oldKey },
      data: { timezone: null, level: null, levelSince: null },
    });
  }

  const referrals = await tx.referral.findMany({
    where: { referredId: { in: ids } },
    orderBy: { at: 'asc' },
  });
  const firstSeen = members[0]?.createdAt ?? new Date(0);
  const codes = await tx.memberJourney.findMany({
    where: { memberId: { in: referrals.map((r) => r.referrerId) } },
    select: { memberId: true, inviteCodeAt: true },
  });
  const dropped: string[] = [];
  let credited = false;
  for (const referral of referrals) {
    // A credit from one of their own accounts is never kept: never to oneself.
    const codeAt = codes.find((c) => c.memberId === referral.referrerId)?.inviteCodeAt;
    const holds = !credited && !ids.includes(referral.referrerId) && !!codeAt && firstSeen >= codeAt;
    if (holds) credited = true;
    else dropped.push(referral.referredId);
  }
  const uncredited = referrals.filter((r) => dropped.includes(r.referredId)).map((r) => r.referrerId);
  if (dropped.length > 0) await tx.referral.deleteMany({ where: { referredId: { in: dropped } } });
  return { key, uncredited: [...new Set(uncredited)].filter((id) => !ids.includes(id)) };
}

function platformList(names: string[]): string {
  if (names.length <= 1) return names[0] ?? 'another platform';
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

const LINK_REPLIES = {
  unknown:
    "I don't know that code, or it has expired. Send /link on your other account for a new one (a code works for 15 minutes).",
  own: "That's the code for this account. Send it from your account on another platform.",
  already: 'These accounts are already linked.',
  overlap:
    "I can't link two accounts on the same platform. Send the code from your account on another platform.",
  too_many: 'Too many wrong codes for now. Please try again in a while.',
} as const;

/**
 * `/link`: a one-time code to send from one's account on another platform; `/link <code>` there
 * links both (then `sync` derives the person's journey again, and each referrer who lost a credit).
 * Replies are fixed words and the code Hearth made: the customer's text is never echoed.
 */
export function linkCommand(services: Services, sync: (memberId: string) => Promise<void>) {
  return async (ctx: HearthContext): Promise<void> => {
    const platform = ctx.event.address.platform;
    const args = ctx.event.kind === 'command' ? ctx.event.args.trim() : '';
    // A code shown in a group could be used by anyone there: codes live in direct chats only.
    if (!ctx.event.isDirect) {
      await ctx.reply('To keep your code private, send /link to me in a direct message.');
      return;
    }
    if (!args) {
      const code = await newLinkCode(services, ctx.memberId, platform);
      const others = services
        .platforms()
        .filter((p) => p !== platform && p !== services.owners.channel.platform && p !== 'console');
      const { memberIds } = await personOf(services.db, ctx.memberId);
      const linked = await services.db.identity.findMany({
        where: { memberId: { in: memberIds }, platform: { not: platform } },
        select: { platform: true },
      });
      const now =
        linked.length > 0
          ? `Linked now: ${platformList(linked.map((l) => PLATFORM_NAMES[l.platform as Platform] ?? l.platform))}.\n`
          : '';
      await ctx.reply(
        `${now}Your link code: ${code}\nTo link another account of yours with this one, send /link ${code} from your account on ` +
          `${platformList(others.map((p) => PLATFORM_NAMES[p]))} within 15 minutes. The code works once; keep it to yourself.`,
      );
      return;
    }
    const result = await redeemLinkCode(services, ctx.memberId, platform, args.split(/\s+/)[0] ?? '');
    if (result.outcome !== 'linked') {
      if (result.outcome === 'unknown') ctx.log.info({ memberId: ctx.memberId }, 'wrong link code');
      await ctx.reply(LINK_REPLIES[result.outcome]);
      return;
    }
    const here = PLATFORM_NAMES[platform];
    const there = PLATFORM_NAMES[result.otherPlatform as Platform] ?? 'other';
    ctx.log.info({ memberId: ctx.memberId, personId: result.key }, 'accounts linked');
    await ctx.reply(
      `Linked! Your ${here} and ${there} accounts are one for us now: your progress in /rewards adds up.`,
    );
    // The account that made the code hears of it too: a link they did not make is reported at once.
    const other = await services.db.identity.findFirst({
      where: { memberId: result.otherMemberId, reachable: true, dmChatId: { not: null } },
      orderBy: { lastSeenAt: 'desc' },
    });
    if (other?.dmChatId && isPlatform(other.platform)) {
      await services.outbox.enqueue({
        to: { platform: other.platform, chatId: other.dmChatId },
        content: {
          text: `Your ${there} account is now linked with your ${here} account. If that wasn't you, tell us here.`,
        },
        memberId: result.otherMemberId,
      });
      services.wakeDelivery();
    }
    await sync(result.key);
    for (const referrer of result.uncredited) await sync(referrer);
  };
}
