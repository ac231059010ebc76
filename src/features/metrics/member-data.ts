import type { Db } from '../../db/database.ts';
import { leavePerson, personLabels, personOf } from '../journey/person.ts';
import { scrubMemberWords } from './forget-words.ts';

/** `telegram:12345` → platform and platform user id; null when malformed. */
export function parseMemberRef(ref: string): { platform: string; platformUserId: string } | null {
  const match = /^([a-z]+):(.+)$/.exec(ref.trim());
  if (!match?.[1] || !match[2]) return null;
  return { platform: match[1], platformUserId: match[2] };
}

const json = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) as unknown;

/** Everything Hearth holds about one member (the `member ... export` file). */
export async function exportMember(db: Db, memberId: string): Promise<Record<string, unknown>> {
  const [member, identities, subscriptions, consent, handoffs, votes, outbox, facts] = await Promise.all([
    db.member.findUnique({ where: { id: memberId } }),
    db.identity.findMany({ where: { memberId }, orderBy: { createdAt: 'asc' } }),
    db.subscription.findMany({ where: { memberId }, orderBy: { topic: 'asc' } }),
    db.consentEvent.findMany({ where: { memberId }, orderBy: { at: 'asc' } }),
    db.handoff.findMany({ where: { memberId }, include: { messages: true }, orderBy: { createdAt: 'asc' } }),
    db.vote.findMany({ where: { memberId }, orderBy: { at: 'asc' } }),
    db.outbox.findMany({
      where: { memberId },
      select: {
        id: true,
        platform: true,
        chatId: true,
        payload: true,
        status: true,
        createdAt: true,
        sentAt: true,
      },
      orderBy: { id: 'asc' },
    }),
    db.metricEvent.count({ where: { memberId } }),
  ]);
  const journey = await Promise.all([
    db.memberJourney.findUnique({ where: { memberId } }),
    db.stageChange.findMany({ where: { memberId }, orderBy: { id: 'asc' } }),
    db.journeyFact.findMany({ where: { memberId }, orderBy: { id: 'asc' } }),
    db.seriesEnrollment.findMany({ where: { memberId } }),
    db.referral.findMany({ where: { OR: [{ referredId: memberId }, { referrerId: memberId }] } }),
  ]);
  return json({
    exportedAt: new Date().toISOString(),
    journey: {
      current: journey[0],
      stageHistory: journey[1],
      facts: journey[2],
      series: journey[3],
      referrals: journey[4],
    },
    member,
    identities,
    subscriptions,
    consentLedger: consent,
    handoffs,
    pollVotes: votes,
    messagesToMember: outbox,
    metricFacts: facts,
  }) as Record<string, unknown>;
}

export interface ForgetResult {
  identities: number;
  subscriptions: number;
  handoffs: number;
  votes: number;
  messages: number;
  /** FAQ entries their words or names were removed from. */
  faqEntries: number;
  /** The accounts it was linked with (`/link`): kept, and no longer linked to it. */
  linkedKept: string[];
}

/**
 * Erases a member in one transaction: identities, subscriptions, handoffs, votes and queued or sent
 * messages are deleted; consent-ledger rows and metric facts lose their member id; the ledger gets
 * an anonymised tombstone (memberId null, action `erase`) per platform so the erasure itself is on record.
 */
export async function forgetMember(db: Db, memberId: string, at: Date): Promise<ForgetResult> {
  return db.$transaction(async (tx) => {
    const identities = await tx.identity.findMany({ where: { memberId }, select: { platform: true } });
    // Linked accounts of the same person stay (each is forgotten on its own); the link to this one goes.
    const person = await personOf(tx, memberId);
    const linkedKept = await personLabels(
      tx,
      person.memberIds.filter((id) => id !== memberId),
      false,
    );
    await leavePerson(tx, memberId);
    await tx.linkCode.deleteMany({ where: { memberId } });
    const subscriptions = await tx.subscription.findMany({ where: { memberId } });
    await tx.subscription.deleteMany({ where: { memberId } });
    if (subscriptions.length > 0) {
      // Keeps the growth numbers true: these subscriptions end here, anonymously.
      await tx.metricEvent.createMany({
        data: subscriptions.map((s) => ({
          type: 'unsubscribed',
          platform: s.platform,
          memberId: null,
          data: { topic: s.topic, source: 'erase' },
          at,
        })),
      });
    }
    await tx.consentEvent.updateMany({ where: { memberId }, data: { memberId: null } });
    const platforms = [...new Set(identities.map((i) => i.platform))];
    await tx.consentEvent.createMany({
      data: (platforms.length > 0 ? platforms : ['unknown']).map((platform) => ({
        memberId: null,
        topic: '*',
        action: 'erase',
        platform,
        source: 'owner',
        reason: 'erasure on request',
        at,
      })),
    });
    await tx.metricEvent.updateMany({ where: { memberId }, data: { memberId: null } });
    const faqEntries = await scrubMemberWords(tx, memberId);
    const handoffs = await tx.handoff.deleteMany({ where: { memberId } });
    const votes = await tx.vote.deleteMany({ where: { memberId } });
    const messages = await tx.outbox.deleteMany({ where: { memberId } });
    // The customer journey: stage, history, facts, series, referrals (either side).
    await tx.memberJourney.deleteMany({ where: { memberId } });
    await tx.stageChange.deleteMany({ where: { memberId } });
    await tx.journeyFact.deleteMany({ where: { memberId } });
    await tx.seriesEnrollment.deleteMany({ where: { memberId } });
    await tx.referral.deleteMany({ where: { OR: [{ referredId: memberId }, { referrerId: memberId }] } });
    await tx.member.delete({ where: { id: memberId } });
    return {
      identities: identities.length,
      subscriptions: subscriptions.length,
      handoffs: handoffs.count,
      votes: votes.count,
      messages: messages.count,
      faqEntries,
      linkedKept,
    };
  });
}
