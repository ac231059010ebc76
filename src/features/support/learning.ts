import type { Services } from '../../app/context.ts';
import type { FaqRecord, FaqStore } from './faq-store.ts';
import { normalizeWords } from './matcher-text.ts';
import type { PhrasingCandidate } from './records.ts';
import { phrasingSuggestionMessage } from './render.ts';

/**
 * Learning from conversations: a customer's wording that was confirmed for an entry (the customer
 * picked the entry when asked back, or an owner linked a handed-over question to it) becomes a
 * phrasing of that entry. By default an owner clicks once to accept it (the bot posts each new
 * wording to the owners' channel with Add/Dismiss buttons, and the digest lists those waiting);
 * owners can instead let a wording be added automatically after N confirmations
 * (`/hearth faq learn auto N`).
 */

export const AUTO_LEARN_SETTING = 'learn.autoAfter';
/** Longest wording kept as a phrasing. */
const MAX_PHRASING_CHARS = 500;

export type ConfirmResult =
  | { kind: 'added'; entry: FaqRecord }
  | { kind: 'waiting'; candidate: PhrasingCandidate; notified: boolean }
  | { kind: 'known' };

export class PhrasingLearner {
  constructor(
    private readonly services: Services,
    private readonly faq: FaqStore,
  ) {}

  private get db() {
    return this.services.db;
  }

  /** Confirmations after which a wording is added without a click; 0 means an owner always clicks. */
  async autoAfter(): Promise<number> {
    const row = await this.db.supportSetting.findUnique({ where: { key: AUTO_LEARN_SETTING } });
    const value = Number(row?.value ?? 0);
    return Number.isInteger(value) && value > 0 ? value : 0;
  }

  async setAutoAfter(confirmations: number): Promise<void> {
    const value = String(Math.max(0, Math.floor(confirmations)));
    await this.db.supportSetting.upsert({
      where: { key: AUTO_LEARN_SETTING },
      create: { key: AUTO_LEARN_SETTING, value },
      update: { value },
    });
  }

  /**
   * Records that `text` asks for entry `faqId`. `ownerLinked` (an owner's click in a handoff) adds it
   * at once; a customer's pick waits for a click or for N confirmations.
   */
  async confirm(faqId: string, text: string, source: 'pick' | 'link'): Promise<ConfirmResult> {
    const entry = this.faq.get(faqId);
    const wording = text.trim().slice(0, MAX_PHRASING_CHARS);
    const key = normalizeWords(wording);
    if (!entry || key.length === 0) return { kind: 'known' };
    if ([entry.question, ...entry.alternatives].some((p) => normalizeWords(p) === key))
      return { kind: 'known' };
    const row = await this.db.faqPhrasingCandidate.upsert({
      where: { faqId_key: { faqId, key } },
      create: { faqId, key, text: wording, source },
      update: { confirmations: { increment: 1 } },
    });
    if (row.status !== 'waiting') return { kind: 'known' };
    const auto = await this.autoAfter();
    if (source === 'link' || (auto > 0 && row.confirmations >= auto)) {
      const added = await this.accept(row.id);
      if (added) return { kind: 'added', entry: added };
    }
    const candidate = toCandidate(row);
    const notified = row.confirmations === 1;
    if (notified) {
      await this.services.outbox.enqueue({
        to: this.services.owners.channel,
        content: phrasingSuggestionMessage(candidate, entry, auto),
        dedupeKey: `phrasing-suggestion:${row.id}`,
      });
      this.services.wakeDelivery();
    }
    return { kind: 'waiting', candidate, notified };
  }

  /** Adds a waiting wording to its entry; null when it is no longer waiting or the entry is gone. */
  async accept(candidateId: string): Promise<FaqRecord | null> {
    const claimed = await this.db.faqPhrasingCandidate.updateMany({
      where: { id: candidateId, status: 'waiting' },
      data: { status: 'added' },
    });
    if (claimed.count === 0) return null;
    const row = await this.db.faqPhrasingCandidate.findUnique({ where: { id: candidateId } });
    if (!row) return null;
    const entry = await this.faq.addPhrasing(row.faqId, row.text);
    await this.services.metrics.record({
      type: 'faq_phrasing_learned',
      data: { faqId: row.faqId, source: row.source, confirmations: row.confirmations },
    });
    return entry;
  }

  /** Dismisses a waiting wording; false when it was not waiting. */
  async dismiss(candidateId: string): Promise<boolean> {
    const { count } = await this.db.faqPhrasingCandidate.updateMany({
      where: { id: candidateId, status: 'waiting' },
      data: { status: 'dismissed' },
    });
    return count > 0;
  }

  /** Wordings waiting for a click, most confirmed first. */
  async waiting(limit = 20): Promise<PhrasingCandidate[]> {
    const rows = await this.db.faqPhrasingCandidate.findMany({
      where: { status: 'waiting' },
      orderBy: [{ confirmations: 'desc' }, { createdAt: 'asc' }],
      take: limit,
    });
    return rows.map(toCandidate);
  }

  async find(id: string): Promise<PhrasingCandidate | null> {
    const row = await this.db.faqPhrasingCandidate.findUnique({ where: { id } });
    return row ? toCandidate(row) : null;
  }
}

function toCandidate(row: PhrasingCandidate): PhrasingCandidate {
  return {
    id: row.id,
    faqId: row.faqId,
    text: row.text,
    source: row.source,
    confirmations: row.confirmations,
    status: row.status,
  };
}
