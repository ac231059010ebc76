import type { Db } from '../../db/database.ts';
import { type FaqMatch, FaqMatcher } from './matcher.ts';

/** A FAQ entry as the support feature uses it. */
export interface FaqRecord {
  id: string;
  question: string;
  answer: string;
  alternatives: string[];
}

/** Longest question, answer or phrasing kept in a FAQ entry, in characters. */
export const MAX_FAQ_TEXT = 4000;
/** Most phrasings (besides the question) an entry keeps. */
export const MAX_ALTERNATIVES = 50;

/**
 * The FAQ table plus the in-memory matcher over it. Every change goes through here, so the matcher
 * always reflects the table; `reload` rebuilds it from the table (at start, or after outside edits).
 */
export class FaqStore {
  readonly matcher = new FaqMatcher();
  private readonly entries = new Map<string, FaqRecord>();
  private signature = '';

  constructor(private readonly db: Db) {}

  async reload(): Promise<number> {
    const rows = await this.db.faqEntry.findMany({ orderBy: { createdAt: 'asc' } });
    this.entries.clear();
    for (const row of rows) this.entries.set(row.id, toRecord(row));
    this.matcher.replaceAll([...this.entries.values()]);
    this.signature = await this.tableSignature();
    return rows.length;
  }

  /** Reloads when the table changed behind our back (another instance edited the FAQ). */
  async refreshIfChanged(): Promise<boolean> {
    if ((await this.tableSignature()) === this.signature) return false;
    await this.reload();
    return true;
  }

  /** Row count and latest change: enough to notice another instance's edits. */
  private async tableSignature(): Promise<string> {
    const stats = await this.db.faqEntry.aggregate({ _count: { _all: true }, _max: { updatedAt: true } });
    return `${stats._count._all}:${stats._max.updatedAt?.toISOString() ?? ''}`;
  }

  get size(): number {
    return this.entries.size;
  }

  list(): FaqRecord[] {
    return [...this.entries.values()];
  }

  get(id: string): FaqRecord | undefined {
    return this.entries.get(id);
  }

  /** An entry by full id or by a unique id prefix (as shown in `faq list`). */
  find(idOrPrefix: string): FaqRecord | undefined {
    const exact = this.entries.get(idOrPrefix);
    if (exact || idOrPrefix.length < 4) return exact;
    const matches = [...this.entries.values()].filter((entry) => entry.id.startsWith(idOrPrefix));
    return matches.length === 1 ? matches[0] : undefined;
  }

  match(question: string): FaqMatch {
    return this.matcher.match(question);
  }

  async add(
    question: string,
    answer: string,
    createdBy?: string,
    alternatives: string[] = [],
  ): Promise<FaqRecord> {
    const row = await this.db.faqEntry.create({
      data: {
        question: clip(question),
        answer: clip(answer),
        alternatives: alternatives.map(clip).slice(0, MAX_ALTERNATIVES),
        createdBy: createdBy ?? null,
      },
    });
    const record = await this.remember(toRecord(row));
    return record;
  }

  /** Adds a phrasing to an entry (ignored when it already has it); null when the entry is gone. */
  async addPhrasing(id: string, phrasing: string): Promise<FaqRecord | null> {
    const entry = this.entries.get(id);
    if (!entry) return null;
    const text = clip(phrasing.trim());
    const known = [entry.question, ...entry.alternatives].some((p) => p.toLowerCase() === text.toLowerCase());
    if (known || text.length === 0 || entry.alternatives.length >= MAX_ALTERNATIVES) return entry;
    const row = await this.db.faqEntry.update({
      where: { id },
      data: { alternatives: [...entry.alternatives, text] },
    });
    return await this.remember(toRecord(row));
  }

  async remove(id: string): Promise<boolean> {
    const { count } = await this.db.faqEntry.deleteMany({ where: { id } });
    this.entries.delete(id);
    this.matcher.remove(id);
    this.signature = await this.tableSignature();
    return count > 0;
  }

  private async remember(record: FaqRecord): Promise<FaqRecord> {
    this.entries.set(record.id, record);
    this.matcher.upsert(record);
    this.signature = await this.tableSignature();
    return record;
  }
}

function clip(text: string): string {
  return text.length > MAX_FAQ_TEXT ? text.slice(0, MAX_FAQ_TEXT) : text;
}

function toRecord(row: { id: string; question: string; answer: string; alternatives: string[] }): FaqRecord {
  return { id: row.id, question: row.question, answer: row.answer, alternatives: [...row.alternatives] };
}
