import type { Services } from '../../app/context.ts';
import { type ChatAddress, isPlatform } from '../../core/events.ts';
import type { OutboundContent } from '../../core/outbound.ts';
import type { FaqRecord, FaqStore } from './faq-store.ts';
import type { HandoffRecord } from './records.ts';
import { type HandoffReasonKind, handoffRootMessage, ownerAnswerText } from './render.ts';

export interface OpenHandoffRequest {
  memberId: string;
  customer: ChatAddress;
  customerName: string;
  question: string;
  matchedFaqId: string | null;
  confidence: number | null;
  /** Entries the bot considered, best first (owners may link the question to one of them). */
  candidateIds?: readonly string[];
  /** Why the bot handed off; `urgent` is flagged for the owners. */
  reason: HandoffReasonKind;
}

/** Correlation id of the owners' thread root; onSent maps it back to the handoff. */
export const ROOT_CORRELATION_PREFIX = 'handoff:';
/** Longest customer question kept, in characters (the rest is cut with a mark). */
const MAX_QUESTION_CHARS = 4000;

export function clipText(text: string, max = MAX_QUESTION_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}… [cut]` : text;
}

/** Opens handoffs, routes their messages between customer and owners' thread, resolves and learns. */
export class HandoffService {
  constructor(
    private readonly services: Services,
    private readonly faq: FaqStore,
  ) {}

  private get db() {
    return this.services.db;
  }

  /** The member's open handoff, newest first. */
  async openFor(memberId: string): Promise<HandoffRecord | null> {
    const row = await this.db.handoff.findFirst({
      where: { memberId, status: 'open' },
      orderBy: { createdAt: 'desc' },
    });
    return row ? toRecord(row) : null;
  }

  /**
   * The handoff whose owners' thread has this root id; null unless exactly one has it (a reply is
   * never delivered on a guess).
   */
  async byOwnerThread(threadId: string): Promise<HandoffRecord | null> {
    const rows = await this.db.handoff.findMany({
      where: { ownerThreadId: threadId, ownerChannelId: this.services.owners.channel.chatId },
      take: 2,
    });
    return rows.length === 1 && rows[0] ? toRecord(rows[0]) : null;
  }

  /** A handoff by full id or unique prefix (8+ characters, as shown to owners). */
  async find(idOrPrefix: string): Promise<HandoffRecord | null> {
    const id = idOrPrefix.trim();
    if (id.length < 4) return null;
    const rows = await this.db.handoff.findMany({ where: { id: { startsWith: id } }, take: 2 });
    return rows.length === 1 && rows[0] ? toRecord(rows[0]) : null;
  }

  /** Creates the handoff and posts its thread root to the owners' channel. */
  async open(request: OpenHandoffRequest): Promise<HandoffRecord> {
    const { owners, metrics, now } = this.services;
    const question = clipText(request.question);
    const at = now();
    const row = await this.db.handoff.create({
      data: {
        memberId: request.memberId,
        platform: request.customer.platform,
        chatId: request.customer.chatId,
        threadId: request.customer.threadId ?? null,
        question,
        matchedFaqId: request.matchedFaqId,
        confidence: request.confidence,
        candidateIds: [...(request.candidateIds ?? [])].slice(0, 3),
        reason: request.reason,
        urgent: request.reason === 'urgent',
        ownerChannelId: owners.channel.chatId,
        createdAt: at,
        messages: { create: { author: 'customer', authorId: request.memberId, text: question, at } },
      },
    });
    const handoff = toRecord(row);
    const matched = request.matchedFaqId ? this.faq.get(request.matchedFaqId) : undefined;
    const candidates = handoff.candidateIds.flatMap((id) => this.faq.get(id) ?? []);
    await this.services.outbox.enqueue({
      to: owners.channel,
      content: handoffRootMessage({
        handoff,
        customerName: request.customerName,
        matched,
        candidates,
        reason: request.reason,
      }),
      correlationId: `${ROOT_CORRELATION_PREFIX}${handoff.id}`,
      dedupeKey: `handoff-root:${handoff.id}`,
    });
    await metrics.record({
      type: 'question_handed_off',
      platform: request.customer.platform,
      memberId: request.memberId,
      ...(request.confidence === null ? {} : { value: request.confidence }),
      data: { handoffId: handoff.id, reason: request.reason, urgent: handoff.urgent },
      at,
    });
    this.services.wakeDelivery();
    return handoff;
  }

  /** Remembers the owners' thread root once the platform has given it an id. */
  async threadPosted(handoffId: string, messageId: string): Promise<void> {
    const channelId = this.services.owners.channel.chatId;
    await this.db.$transaction([
      // A platform that reuses message ids (the console after a restart) gives this id to the new
      // root: an older handoff still holding it loses it, so the thread maps to one handoff only.
      this.db.handoff.updateMany({
        where: { ownerThreadId: messageId, ownerChannelId: channelId, id: { not: handoffId } },
        data: { ownerThreadId: null },
      }),
      this.db.handoff.updateMany({
        where: { id: handoffId, ownerThreadId: null },
        data: { ownerThreadId: messageId },
      }),
    ]);
  }

  /** Where owner-side messages about a handoff go: its thread, or the channel until the thread exists. */
  ownerAddress(handoff: HandoffRecord): ChatAddress {
    const channel = this.services.owners.channel;
    return handoff.ownerThreadId ? { ...channel, threadId: handoff.ownerThreadId } : channel;
  }

  /**
   * A customer's follow-up while the handoff is open: stored and posted to the same thread; an
   * urgent follow-up flags the handoff urgent.
   */
  async followUp(handoff: HandoffRecord, text: string, customerName: string, urgent = false): Promise<void> {
    const question = clipText(text);
    await this.db.handoffMessage.create({
      data: { handoffId: handoff.id, author: 'customer', authorId: handoff.memberId, text: question },
    });
    if (urgent && !handoff.urgent) {
      await this.db.handoff.update({ where: { id: handoff.id }, data: { urgent: true } });
    }
    const prefix = handoff.ownerThreadId ? '' : `(handoff ${handoff.id.slice(0, 8)}) `;
    const flag = urgent ? '🚨 URGENT - ' : '';
    await this.postToOwners(handoff, { text: `${flag}${prefix}${customerName} adds: “${question}”` });
  }

  /** Posts to the handoff's owners' thread through the outbox. */
  async postToOwners(handoff: HandoffRecord, content: OutboundContent): Promise<void> {
    await this.services.outbox.enqueue({ to: this.ownerAddress(handoff), content });
    this.services.wakeDelivery();
  }

  /** Customer's address for a handoff. */
  customerAddress(handoff: HandoffRecord): ChatAddress {
    return handoff.threadId
      ? { platform: handoff.platform, chatId: handoff.chatId, threadId: handoff.threadId }
      : { platform: handoff.platform, chatId: handoff.chatId };
  }

  /**
   * Records an owner's answer and returns what to send the customer; the first answer sets
   * firstAnsweredAt and records handoff_answered with the seconds it took.
   */
  async ownerAnswered(handoff: HandoffRecord, text: string, ownerId: string): Promise<OutboundContent> {
    const at = this.services.now();
    const answer = clipText(text);
    await this.db.handoffMessage.create({
      data: { handoffId: handoff.id, author: 'owner', authorId: ownerId, text: answer, at },
    });
    const first = await this.db.handoff.updateMany({
      where: { id: handoff.id, firstAnsweredAt: null },
      data: { firstAnsweredAt: at },
    });
    if (first.count > 0) {
      await this.services.metrics.record({
        type: 'handoff_answered',
        platform: handoff.platform,
        memberId: handoff.memberId,
        value: Math.max(0, (at.getTime() - handoff.createdAt.getTime()) / 1000),
        data: { handoffId: handoff.id },
        at,
      });
    }
    return { text: ownerAnswerText(answer) };
  }

  /** Closes a handoff; false when it was not open. */
  async resolve(handoff: HandoffRecord): Promise<boolean> {
    const { count } = await this.db.handoff.updateMany({
      where: { id: handoff.id, status: 'open' },
      data: { status: 'resolved', resolvedAt: this.services.now() },
    });
    return count > 0;
  }

  /** The owners' latest answer in a handoff, if any. */
  async latestOwnerAnswer(handoff: HandoffRecord): Promise<string | null> {
    const message = await this.db.handoffMessage.findFirst({
      where: { handoffId: handoff.id, author: 'owner' },
      orderBy: { id: 'desc' },
    });
    return message?.text ?? null;
  }

  /**
   * A draft FAQ entry from a handoff, for the owner to edit before saving: the customer's question,
   * and the owners' latest answer without the greeting and the customer's name.
   */
  async faqDraft(handoff: HandoffRecord): Promise<{ question: string; answer: string } | { error: string }> {
    const answer = await this.latestOwnerAnswer(handoff);
    if (!answer) return { error: 'Reply in the thread first; then your reply can be saved as the answer.' };
    const identities = await this.db.identity.findMany({
      where: { memberId: handoff.memberId },
      select: { displayName: true },
    });
    const names = identities.flatMap((i) => (i.displayName ? i.displayName.split(/\s+/) : []));
    return { question: handoff.question, answer: impersonal(answer, names) };
  }

  /**
   * Turns a handoff into FAQ knowledge: a new entry (question + the owners' latest answer), or the
   * question as a new phrasing of the entry the bot matched.
   */
  async learn(
    handoff: HandoffRecord,
    mode: 'entry' | 'phrasing',
    ownerId: string,
  ): Promise<{ entry: FaqRecord; mode: 'entry' | 'phrasing' } | { error: string }> {
    if (mode === 'phrasing') {
      if (!handoff.matchedFaqId) return { error: 'The bot matched no FAQ entry for this question.' };
      const entry = await this.faq.addPhrasing(handoff.matchedFaqId, handoff.question);
      if (!entry) return { error: 'The matched FAQ entry no longer exists.' };
      return { entry, mode };
    }
    const answer = await this.latestOwnerAnswer(handoff);
    if (!answer) return { error: 'Reply in the thread first; then your reply can be saved as the answer.' };
    const entry = await this.faq.add(handoff.question, answer, ownerId);
    return { entry, mode };
  }
}

/** An answer for everyone: without a leading "Hi Uma!" and without the customer's names. */
export function impersonal(answer: string, names: readonly string[]): string {
  let text = answer.replace(
    /^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^.!?,\n]{0,40}[.!?,]\s*/iu,
    '',
  );
  for (const name of names.filter((n) => n.length >= 2)) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    text = text.replace(new RegExp(`(?<![\\p{L}])${escaped}(?![\\p{L}])[,!]?\\s*`, 'giu'), '');
  }
  return text.trim() || answer;
}

function toRecord(row: Omit<HandoffRecord, 'platform'> & { platform: string }): HandoffRecord {
  if (!isPlatform(row.platform)) throw new Error(`handoff ${row.id} has an unknown platform ${row.platform}`);
  return {
    id: row.id,
    memberId: row.memberId,
    platform: row.platform,
    chatId: row.chatId,
    threadId: row.threadId,
    question: row.question,
    matchedFaqId: row.matchedFaqId,
    confidence: row.confidence,
    candidateIds: [...row.candidateIds],
    reason: row.reason,
    urgent: row.urgent,
    status: row.status,
    ownerChannelId: row.ownerChannelId,
    ownerThreadId: row.ownerThreadId,
    createdAt: row.createdAt,
    firstAnsweredAt: row.firstAnsweredAt,
  };
}
