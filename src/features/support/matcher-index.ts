import { synonymsOf } from './matcher-synonyms.ts';
import { charNgrams, contentTokens, isLowInformation, type Lexicon, termOf } from './matcher-text.ts';
import { relatedWords, type WordRelation } from './matcher-wordnet.ts';

/**
 * The FAQ side of the matcher: per-entry term profiles, vocabulary statistics, and the lookup
 * tables that let a question word reach a FAQ word it does not spell the same way (WordNet and
 * word-list relations, one-typo variants). Everything here is computed when an entry is added, so
 * a question costs only map lookups.
 */

export const MAX_PHRASING_CHARS = 2000;
export const MAX_PHRASING_TOKENS = 64;
export const NGRAM_SIZE = 3;
/** Shortest term that may match with one typo. */
const FUZZY_MIN_LENGTH = 5;

/** Strength of each relation, relative to an exact match. */
export const RELATION_STRENGTH: Record<WordRelation | 'list' | 'typo', number> = {
  synonym: 0.6,
  list: 0.5,
  derived: 0.6,
  broader: 0.4,
  typo: 0.7,
};

/** One indexed phrasing (question or alternative) of an entry. */
export interface Phrasing {
  key: string;
  entryId: string;
  /** Terms joined by spaces: the text MiniSearch indexes. */
  text: string;
  terms: ReadonlySet<string>;
  bigrams: ReadonlySet<string>;
  grams: ReadonlyMap<string, number>;
  gramNorm: number;
}

export interface IndexedEntry {
  id: string;
  phrasings: Phrasing[];
  /** Terms of the entry's answer (customers ask about details only the answer names). */
  answerTerms: ReadonlySet<string>;
  /** Term to the share of the entry's phrasings that use it. */
  share: ReadonlyMap<string, number>;
  bigrams: ReadonlySet<string>;
}

function vectorNorm(vector: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const value of vector.values()) sum += value * value;
  return Math.sqrt(sum);
}

/** Adjacent term pairs of a token sequence. */
export function termBigrams(terms: readonly string[]): Set<string> {
  const pairs = new Set<string>();
  for (let i = 0; i + 1 < terms.length; i++) pairs.add(`${terms[i]} ${terms[i + 1]}`);
  return pairs;
}

/** Variants of a term with one character deleted (and the term itself). */
export function deletionVariants(term: string): string[] {
  const variants = [term];
  for (let i = 0; i < term.length; i++) variants.push(term.slice(0, i) + term.slice(i + 1));
  return variants;
}

/** Most answer tokens indexed (answers are longer than questions). */
export const MAX_ANSWER_TOKENS = 160;

/** Builds an entry's profile from its phrasings and answer; null when no phrasing is searchable. */
export function buildEntry(
  id: string,
  texts: readonly string[],
  answer = '',
  lexicon?: Lexicon,
): IndexedEntry | null {
  const phrasings: Phrasing[] = [];
  const options = lexicon ? { lexicon } : {};
  texts.forEach((text, position) => {
    const tokens = contentTokens(text, MAX_PHRASING_CHARS, MAX_PHRASING_TOKENS, options);
    if (tokens.length === 0) return;
    const sequence = tokens.map((token) => token.stem);
    const terms = new Set(sequence);
    const grams = charNgrams(
      tokens.map((token) => token.word),
      NGRAM_SIZE,
    );
    phrasings.push({
      key: `${id}\u0000${position}`,
      entryId: id,
      text: [...terms].join(' '),
      terms,
      bigrams: termBigrams(sequence),
      grams,
      gramNorm: vectorNorm(grams),
    });
  });
  if (phrasings.length === 0) return null;
  const share = new Map<string, number>();
  const bigrams = new Set<string>();
  for (const phrasing of phrasings) {
    for (const term of phrasing.terms) share.set(term, (share.get(term) ?? 0) + 1 / phrasings.length);
    for (const pair of phrasing.bigrams) bigrams.add(pair);
  }
  const answerTerms = new Set(
    contentTokens(answer, MAX_PHRASING_CHARS, MAX_ANSWER_TOKENS, options).map((token) => token.stem),
  );
  return { id, phrasings, answerTerms, share, bigrams };
}

/** Every term an entry uses, in its phrasings or its answer, once. */
export function entryTerms(entry: IndexedEntry): Set<string> {
  return new Set([...entry.share.keys(), ...entry.answerTerms]);
}

/** Vocabulary statistics and relation tables over all indexed entries. */
export class Vocabulary {
  /** Number of entries using each term (in a phrasing or the answer). */
  readonly entryFrequency = new Map<string, number>();
  /** A term related to FAQ terms, to those FAQ terms and the relation's strength. */
  private readonly related = new Map<string, Map<string, number>>();
  /** A one-deletion variant of a FAQ term, to the FAQ terms it comes from. */
  private readonly deletions = new Map<string, Set<string>>();
  private readonly expandedWords = new Set<string>();
  entryCount = 0;

  clear(): void {
    this.entryFrequency.clear();
    this.related.clear();
    this.deletions.clear();
    this.expandedWords.clear();
    this.entryCount = 0;
  }

  add(entry: IndexedEntry, words: readonly string[]): void {
    this.entryCount++;
    for (const term of entryTerms(entry)) {
      this.entryFrequency.set(term, (this.entryFrequency.get(term) ?? 0) + 1);
      if (term.length >= FUZZY_MIN_LENGTH && /^[a-z]+$/.test(term)) {
        for (const variant of deletionVariants(term)) this.link(this.deletions, variant, term);
      }
    }
    for (const word of words) this.expandWord(word);
  }

  remove(entry: IndexedEntry): void {
    this.entryCount = Math.max(0, this.entryCount - 1);
    for (const term of entryTerms(entry)) {
      const count = (this.entryFrequency.get(term) ?? 0) - 1;
      if (count > 0) this.entryFrequency.set(term, count);
      else this.entryFrequency.delete(term);
    }
  }

  has(term: string): boolean {
    return this.entryFrequency.has(term);
  }

  /** Inverse entry frequency; a term the FAQ never uses gets the rarest term's IDF. */
  idf(term: string): number {
    const frequency = this.entryFrequency.get(term) ?? 0.5;
    return Math.log(1 + this.entryCount / frequency);
  }

  /** Weight of a question or FAQ term: question words and numbers count less. */
  termWeight(term: string, lowInformationWeight: number): number {
    return isLowInformation(term) || /^\d+$/.test(term) ? lowInformationWeight : 1;
  }

  /** FAQ terms a question term can match, with strengths in (0, 1]. */
  matchesOf(term: string): Map<string, number> {
    const matches = new Map<string, number>();
    if (this.has(term)) matches.set(term, 1);
    for (const [faqTerm, strength] of this.related.get(term) ?? []) {
      if (this.has(faqTerm) && strength > (matches.get(faqTerm) ?? 0)) matches.set(faqTerm, strength);
    }
    if (matches.size === 0 && term.length >= FUZZY_MIN_LENGTH && /^[a-z]+$/.test(term)) {
      for (const variant of deletionVariants(term)) {
        for (const faqTerm of this.deletions.get(variant) ?? []) {
          if (this.has(faqTerm) && !matches.has(faqTerm)) matches.set(faqTerm, RELATION_STRENGTH.typo);
        }
      }
    }
    return matches;
  }

  private link(table: Map<string, Set<string>>, from: string, to: string): void {
    let targets = table.get(from);
    if (!targets) {
      targets = new Set();
      table.set(from, targets);
    }
    targets.add(to);
  }

  /** Records the words related to a FAQ word, so questions using them reach the FAQ term. */
  private expandWord(word: string): void {
    if (this.expandedWords.has(word)) return;
    this.expandedWords.add(word);
    const faqTerm = termOf(word);
    const relate = (relatedWord: string, strength: number) => {
      const relatedTerm = termOf(relatedWord);
      if (relatedTerm === faqTerm) return;
      let targets = this.related.get(relatedTerm);
      if (!targets) {
        targets = new Map();
        this.related.set(relatedTerm, targets);
      }
      targets.set(faqTerm, Math.max(targets.get(faqTerm) ?? 0, strength));
    };
    for (const related of relatedWords(word, 3)) relate(related.word, RELATION_STRENGTH[related.relation]);
    for (const synonym of synonymsOf(word)) relate(synonym, RELATION_STRENGTH.list);
  }
}
