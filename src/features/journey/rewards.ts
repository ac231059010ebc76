import type { Services } from '../../app/context.ts';
import { isPlatform } from '../../core/events.ts';
import type { MemberFacts } from './facts.ts';
import { reachableIdentityOf } from './person.ts';
import { readSetting, writeSetting } from './settings.ts';

/** One way to reach a level: every stated part must hold (3 referrals; a customer with 5 votes; invited). */
export interface Condition {
  referrals?: number;
  votes?: number;
  purchases?: number;
  customer?: boolean;
  invited?: boolean;
}

/** A reward level and the ways to reach it (any one is enough). Later levels rank higher. */
export interface Level {
  name: string;
  anyOf: Condition[];
}

export interface RewardRules {
  levels: Level[];
}

/** Button that subscribes a member who reached a level to its topic (value: the level's name). */
export const JOIN_LEVEL_ACTION = 'journey.join-level';

export const DEFAULT_REWARDS: RewardRules = {
  levels: [{ name: 'council', anyOf: [{ referrals: 3 }, { customer: true, votes: 5 }, { invited: true }] }],
};

const REWARDS_KEY = 'rewards';

export function readRewards(services: Services): Promise<RewardRules> {
  return readSetting(services.db, REWARDS_KEY, DEFAULT_REWARDS);
}

export function writeRewards(services: Services, rules: RewardRules): Promise<void> {
  return writeSetting(services.db, REWARDS_KEY, rules);
}

/** `3 referrals or customer and 5 votes or invited` → conditions; null with what was not understood. */
export function parseConditions(text: string): { conditions: Condition[] } | { error: string } {
  const conditions: Condition[] = [];
  for (const alternative of text.toLowerCase().split(/\s*(?:,\s*)?\bor\b\s*/)) {
    const condition: Condition = {};
    for (const part of alternative.split(/\s+and\s+|\s*\+\s*/).map((p) => p.trim().replace(/^an?\s+/, ''))) {
      const m = /^(\d{1,3})\s+(referrals?|friends?|invites?|votes?|polls?|purchases?|codes?)$/.exec(part);
      if (m) {
        const n = Number(m[1]);
        const what = m[2] ?? '';
        if (/^(referral|friend|invite)/.test(what)) condition.referrals = n;
        else if (/^(vote|poll)/.test(what)) condition.votes = n;
        else condition.purchases = n;
      } else if (/^(a\s+)?customer$/.test(part)) condition.customer = true;
      else if (/^invited(\s+by\s+(an?\s+)?owner)?$/.test(part)) condition.invited = true;
      else if (part) return { error: part };
    }
    if (Object.keys(condition).length > 0) conditions.push(condition);
  }
  return conditions.length > 0 ? { conditions } : { error: text };
}

export function describeCondition(c: Condition): string {
  const parts: string[] = [];
  if (c.referrals) parts.push(`${c.referrals} referral(s)`);
  if (c.customer) parts.push('a customer');
  if (c.votes) parts.push(`${c.votes} poll vote(s)`);
  if (c.purchases) parts.push(`${c.purchases} purchase(s)`);
  if (c.invited) parts.push('invited by an owner');
  return parts.join(' with ');
}

function isCustomer(facts: MemberFacts): boolean {
  return facts.markedCustomer || facts.purchases > 0;
}

export function holds(c: Condition, facts: MemberFacts): boolean {
  return (
    (!c.referrals || facts.referrals >= c.referrals) &&
    (!c.votes || facts.pollsVoted >= c.votes) &&
    (!c.purchases || facts.purchases >= c.purchases) &&
    (!c.customer || isCustomer(facts)) &&
    (!c.invited || facts.ownerInvited)
  );
}

/** The steps still to take for a condition, in friendly words; null when it cannot be earned by doing (an invitation). */
export function stepsLeft(c: Condition, facts: MemberFacts): { count: number; words: string[] } | null {
  if (c.invited) return null;
  const words: string[] = [];
  let count = 0;
  const more = (need: number | undefined, have: number, one: string, many: string) => {
    if (!need || have >= need) return;
    const n = need - have;
    count += n;
    words.push(`${n} more ${n === 1 ? one : many}`);
  };
  more(
    c.referrals,
    facts.referrals,
    'friend joining through your invite (/invite)',
    'friends joining through your invite (/invite)',
  );
  if (c.customer && !isCustomer(facts)) {
    count += 1;
    words.push('a purchase (send us the code on your receipt)');
  }
  more(c.purchases, facts.purchases, 'purchase code', 'purchase codes');
  more(c.votes, facts.pollsVoted, 'poll to vote in', 'polls to vote in');
  return { count, words };
}

/** The highest level the facts reach (by rank in the rules), or null. */
export function levelReached(rules: RewardRules, facts: MemberFacts): string | null {
  let reached: string | null = null;
  for (const level of rules.levels) if (level.anyOf.some((c) => holds(c, facts))) reached = level.name;
  return reached;
}

export function rankOf(rules: RewardRules, level: string | null): number {
  return level ? rules.levels.findIndex((l) => l.name === level) : -1;
}

/** What `/rewards` says: where the member is and the nearest way up, never what they lack. */
export function progressText(rules: RewardRules, facts: MemberFacts, business: string): string {
  const rank = rankOf(rules, facts.level);
  const next = rules.levels[rank + 1];
  const here = facts.level
    ? `You're part of our ${facts.level}. Thank you for being such a big part of ${business}!`
    : `Thank you for being part of ${business}!`;
  if (!next) {
    return `${here}\nYou enjoy every perk we have: early access, ${facts.level ?? 'member'}-only events and news. Send /subscribe ${facts.level ?? ''} to get them here.`.trim();
  }
  const ways = next.anyOf
    .map((c) => stepsLeft(c, facts))
    .filter((s): s is { count: number; words: string[] } => s !== null && s.count > 0)
    .sort((a, b) => a.count - b.count)
    .map((s) => `• ${s.words.join(' and ')}`);
  if (ways.length === 0) return `${here}\nThe ${next.name} is by invitation; we'll let you know.`;
  return `${here}\nTo join the ${next.name} (early access, ${next.name}-only events and news), any one of these is enough:\n${ways.join('\n')}`;
}

/**
 * Moves a person (`memberId`: their key) up when their facts reach a higher level: stores it, welcomes them (offering the
 * level's topic: a button where there are buttons), and tells the owners. Levels are never taken back.
 */
export async function promote(
  services: Services,
  memberId: string,
  facts: MemberFacts,
  at: Date,
): Promise<boolean> {
  const rules = await readRewards(services);
  const reached = levelReached(rules, facts);
  if (!reached || rankOf(rules, reached) <= rankOf(rules, facts.level)) return false;
  const { db } = services;
  const moved = await db.$transaction(async (tx) => {
    const row = await tx.memberJourney.upsert({ where: { memberId }, create: { memberId }, update: {} });
    if (row.level && rankOf(rules, row.level) >= rankOf(rules, reached)) return false;
    await tx.memberJourney.update({ where: { memberId }, data: { level: reached, levelSince: at } });
    await tx.topic.upsert({
      where: { name: reached },
      create: { name: reached, description: `for ${reached} members` },
      update: {},
    });
    return true;
  });
  if (!moved) return false;
  facts.level = reached;
  // Welcomed once, where the person was last seen (whichever of their linked platforms).
  const identity = await reachableIdentityOf(db, facts.memberIds);
  const business = services.config.BUSINESS_NAME;
  if (identity?.dmChatId && isPlatform(identity.platform)) {
    const buttons = services.capabilitiesOf(identity.platform)?.buttons ?? false;
    const welcome = `Welcome to the ${reached}! Thank you for being such a big part of ${business}. As a ${reached} member you get early access and ${reached}-only events and news.`;
    await services.outbox.enqueue({
      to: { platform: identity.platform, chatId: identity.dmChatId },
      content: buttons
        ? {
            text: welcome,
            buttons: [[{ actionId: JOIN_LEVEL_ACTION, label: `Join the ${reached} topic`, value: reached }]],
          }
        : { text: `${welcome}\nSend /subscribe ${reached} to get them here.` },
      memberId,
      dedupeKey: `level:${reached}:${memberId}`,
    });
  }
  const who = identity
    ? `${identity.platform}:${identity.platformUserId}${identity.displayName ? ` (${identity.displayName})` : ''}`
    : memberId;
  await services.outbox.enqueue({
    to: services.owners.channel,
    content: {
      text: `${who} reached ${reached}: ${describeWhy(rules, reached, facts)}. They were welcomed and offered the ${reached} topic.`,
    },
    dedupeKey: `level-owners:${reached}:${memberId}`,
  });
  services.wakeDelivery();
  services.log.info({ memberId, level: reached }, 'member reached a reward level');
  return true;
}

function describeWhy(rules: RewardRules, level: string, facts: MemberFacts): string {
  const met = rules.levels.find((l) => l.name === level)?.anyOf.find((c) => holds(c, facts));
  return met ? describeCondition(met) : 'rules met';
}
