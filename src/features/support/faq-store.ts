import type { Db } from '../../db/database.ts';
import { ConversationReader, type MessageReading } from './conversation.ts';
import { type DecisionSettings, decide, type SupportDecision } from './decide.ts';
import { type FaqMatch, FaqMatcher } from './matcher.ts';
import { normalizeWords } from './matcher-text.ts';

/** A FAQ entry as the support feature uses it. */
export interface FaqRecord {
  id: string;
  question: string;
  answer: string;
  alternatives: string[];
}

/** Owners' words: a group of interchangeable words (the first names it), or an urgent phrase. */
export interface OwnerWords {
  id: string;
  kind: 'group' | 'urgent';
  words: string[];
}

/** Most owner word rows kept (groups and urgent phrases together). */
export const MAX_OWNER_WORDS = 500;

/** Longest question, answer or phrasing kept in a FAQ entry, in characters. */
export const MAX_FAQ_TEXT = 4000;
/** Most phrasings (besides the question) an entry keeps. */
export const MAX_ALTERNATIVES = 50;

/**
 * The FAQ table plus the in-memory matcher over it, and the owners' words. Every change goes through
 * here, so the matcher always reflects the tables; `reload` rebuilds it from them (at start, or after
 * outside edits). The matcher is built on the first question, not at start: building it loads the
 * word vectors and dictionaries (tens of MB), which a Hearth nobody has asked anything yet does not need.
 */
export class FaqStore {
  private built: FaqMatcher | undefined;
  private reader = new ConversationReader();
  private readonly entries = new Map<string, FaqRecord>();
  private readonly problemEntries = new Map<string, boolean>();
  private ownerWords: OwnerWords[] = [];
  private signature = '';

  constructor(private readonly db: Db) {}

  async reload(): Promise<number> {
    const rows = await this.db.faqEntry.findMany({ orderBy: { createdAt: 'asc' } });
    const words = await this.db.faqWord.findMany({ orderBy: { createdAt: 'asc' }, take: MAX_OWNER_WORDS });
    this.entries.clear();
    this.problemEntries.clear();
    for (const row of rows) this.entries.set(row.id, toRecord(row));
    this.ownerWords = words.map((row) => ({
      id: row.id,
      kind: row.kind === 'urgent' ? 'urgent' : 'group',
      words: [...row.words],
    }));
    this.rebuild();
    this.signature = await this.tableSignature();
    return rows.length;
  }

  /** The matcher over the current entries and owners' word groups, built on first use. */
  get matcher(): FaqMatcher {
    if (!this.built) {
      this.built = new FaqMatcher();
      this.built.replaceAll([...this.entries.values()], this.wordGroups());
    }
    return this.built;
  }

  /** Whether the matcher has been built (the first question builds it). */
  get matcherBuilt(): boolean {
    return this.built !== undefined;
  }

  private wordGroups(): string[][] {
    return this.ownerWords.filter((w) => w.kind === 'group').map((w) => w.words);
  }

  /** Rebuilds the matcher (once built) and the conversation reader from the entries and the owners' words. */
  private rebuild(): void {
    this.built?.replaceAll([...this.entries.values()], this.wordGroups());
    this.reader = new ConversationReader(
      this.ownerWords.filter((w) => w.kind === 'urgent').flatMap((w) => w.words),
    );
  }

  /** What to do with a customer's message: answer, ask back, hand over or reply (see decide.ts). */
  decide(question: string, settings?: DecisionSettings): SupportDecision {
    return decide(question, this.matcher, this.reader, (id) => this.isAboutProblems(id), settings);
  }

  /** How the conversation reader reads a message (small talk, urgent, complaint). */
  read(text: string): MessageReading {
    return this.reader.read(text);
  }

  /** True when an entry is itself about problems (it may answer a complaint). */
  private isAboutProblems(id: string): boolean {
    let about = this.problemEntries.get(id);
    if (about === undefined) {
      const entry = this.entries.get(id);
      about = entry ? this.reader.isAboutProblems(`${entry.question}\n${entry.answer}`) : false;
      this.problemEntries.set(id, about);
    }
    return about;
  }

  /** The owners' word groups and urgent phrases, oldest first. */
  words(): readonly OwnerWords[] {
    return this.ownerWords;
  }

  /** Adds an owners' word group or urgent phrase(s); the matcher uses it at once. */
  async addWords(kind: OwnerWords['kind'], words: readonly string[], createdBy: string): Promise<OwnerWords> {
    const cleaned = [...new Set(words.map(normalizeWords).filter((word) => word.length > 0))];
    if (cleaned.length === 0) throw new Error('no words given');
    if (this.ownerWords.length >= MAX_OWNER_WORDS) throw new Error(`at most ${MAX_OWNER_WORDS} word entries`);
    const row = await this.db.faqWord.create({
      data: { kind, words: cleaned.map((word) => word.slice(0, 100)).slice(0, 50), createdBy },
    });
    const added: OwnerWords = { id: row.id, kind, words: [...row.words] };
    this.ownerWords.push(added);
    this.rebuild();
    this.signature = await this.tableSignature();
    return added;
  }

  /** Removes an owners' word entry by id or unique id prefix; null when there is none. */
  async removeWords(idOrPrefix: string): Promise<OwnerWords | null> {
    const matches = this.ownerWords.filter((w) => idOrPrefix.length >= 4 && w.id.startsWith(idOrPrefix));
    const found = matches.length === 1 ? matches[0] : undefined;
    if (!found) return null;
    await this.db.faqWord.deleteMany({ where: { id: found.id } });
    this.ownerWords = this.ownerWords.filter((w) => w.id !== found.id);
    this.rebuild();
    this.signature = await this.tableSignature();
    return found;
  }

  /** Reloads when the table changed behind our back (another instance edited the FAQ). */
  async refreshIfChanged(): Promise<boolean> {
    if ((await this.tableSignature()) === this.signature) return false;
    await this.reload();
    return true;
  }

  /** Row counts and latest changes: enough to notice another instance's edits. */
  private async tableSignature(): Promise<string> {
    const stats = await this.db.faqEntry.aggregate({ _count: { _all: true }, _max: { updatedAt: true } });
    const words = await this.db.faqWord.aggregate({ _count: { _all: true }, _max: { createdAt: true } });
    return [
      stats._count._all,
      stats._max.updatedAt?.toISOString() ?? '',
      words._count._all,
      words._max.createdAt?.toISOString() ?? '',
    ].join(':');
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

  /** Replaces an entry's question and answer (its other phrasings stay); null when it is gone. */
  async edit(id: string, question: string, answer: string): Promise<FaqRecord | null> {
    if (!this.entries.has(id)) return null;
    const row = await this.db.faqEntry.update({
      where: { id },
      data: { question: clip(question), answer: clip(answer) },
    });
    return await this.remember(toRecord(row));
  }

  async remove(id: string): Promise<boolean> {
    const { count } = await this.db.faqEntry.deleteMany({ where: { id } });
    this.entries.delete(id);
    this.problemEntries.delete(id);
    this.built?.remove(id);
    this.signature = await this.tableSignature();
    return count > 0;
  }

  private async remember(record: FaqRecord): Promise<FaqRecord> {
    this.entries.set(record.id, record);
    this.problemEntries.delete(record.id);
    this.built?.upsert(record);
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
