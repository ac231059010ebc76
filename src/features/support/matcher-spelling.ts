import { wordVectors } from './matcher-embeddings.ts';
import { isStopword } from './matcher-text.ts';
import { isEnglishWord } from './matcher-wordnet.ts';

/**
 * Spelling correction of customers' words (edit distance, no word lists of our own): a word that is
 * neither in the FAQ nor known English (WordNet, the function words) is replaced by a word one edit
 * away (a letter dropped, added, changed, or two swapped): a word of the FAQ itself first, else a
 * far more frequent English word from the word-vector vocabulary (ranked by frequency). Long words
 * may be two edits from a FAQ word. FAQ text is never corrected.
 */

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** Shortest word that is corrected at all, and shortest that may be two edits from a FAQ word. */
const MIN_LENGTH = 3;
const TWO_EDIT_LENGTH = 7;
/** Shortest first part of a word split into two FAQ words (the second may be a letter shorter: "walk in"). */
const MIN_PART = 3;
/** A known but rare word is replaced only by a word this many times more frequent (rank ratio). */
const FREQUENCY_RATIO = 50;
/** Replacement English words must be among this many most frequent words. */
const COMMON_RANK = 30_000;
const CACHE_LIMIT = 5_000;

/**
 * Every string one edit away from `word` (Damerau: deletions, transpositions, substitutions,
 * insertions), cheapest kinds first: people drop a letter or swap two more often than they type a
 * wrong or an extra one, so a left-out letter ("wher" → "where") beats a changed one ("when").
 */
export function editsOf(word: string): string[] {
  const missing: string[] = [];
  const swapped: string[] = [];
  const changed: string[] = [];
  const extra: string[] = [];
  for (let i = 0; i <= word.length; i++) {
    const head = word.slice(0, i);
    const tail = word.slice(i);
    if (tail.length > 0) extra.push(head + tail.slice(1));
    if (tail.length > 1) swapped.push(head + tail[1] + tail[0] + tail.slice(2));
    for (const letter of LETTERS) {
      if (tail.length > 0 && tail[0] !== letter) changed.push(head + letter + tail.slice(1));
      missing.push(head + letter + tail);
    }
  }
  return [...missing, ...swapped, ...changed, ...extra];
}

/** The edit groups of editsOf, in its order, with their sizes (to prefer cheaper kinds). */
function editKinds(word: string): number[] {
  const n = word.length;
  return [26 * (n + 1), Math.max(0, n - 1), 25 * n, n];
}

/** Corrects question words against one FAQ's words and general English. */
export class Speller {
  /** FAQ words (surface forms) with the number of entries using them. */
  private readonly faqWords = new Map<string, number>();
  /** One-deletion variants of long FAQ words, for two-edit matches. */
  private readonly deletions = new Map<string, Set<string>>();
  private readonly cache = new Map<string, string>();

  add(words: Iterable<string>): void {
    this.cache.clear();
    for (const word of new Set(words)) {
      this.faqWords.set(word, (this.faqWords.get(word) ?? 0) + 1);
      if (word.length >= TWO_EDIT_LENGTH - 1 && /^[a-z]+$/.test(word)) {
        for (let i = 0; i < word.length; i++) {
          const variant = word.slice(0, i) + word.slice(i + 1);
          let sources = this.deletions.get(variant);
          if (!sources) {
            sources = new Set();
            this.deletions.set(variant, sources);
          }
          sources.add(word);
        }
      }
    }
  }

  remove(words: Iterable<string>): void {
    this.cache.clear();
    for (const word of new Set(words)) {
      const count = (this.faqWords.get(word) ?? 0) - 1;
      if (count > 0) this.faqWords.set(word, count);
      else this.faqWords.delete(word);
    }
  }

  clear(): void {
    this.faqWords.clear();
    this.deletions.clear();
    this.cache.clear();
  }

  /** True when the FAQ uses the word (phrasings or answers). */
  inFaq(word: string): boolean {
    return this.faqWords.has(word);
  }

  /**
   * The word as the customer probably meant it; the word itself when it looks right. May be two
   * words separated by a space (a compound the FAQ writes apart).
   */
  correct(word: string): string {
    if (word.length < MIN_LENGTH || !/^[a-z]+$/.test(word) || this.faqWords.has(word) || isStopword(word)) {
      return word;
    }
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const corrected = this.lookUp(word);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, corrected);
    return corrected;
  }

  /**
   * Two words that a customer wrote as one ("callout" for the FAQ's "call-out", "giftcard"), as
   * "first second": both FAQ words, or one a FAQ word and the other a function word ("out", "in");
   * the most even split wins. Null when no split gives such a pair.
   */
  private faqParts(word: string): string | null {
    let best: string | null = null;
    let bestShorter = 0;
    // The first part has MIN_PART letters or more, the second one fewer at least.
    for (let i = MIN_PART; i <= word.length - MIN_PART + 1; i++) {
      const first = word.slice(0, i);
      const second = word.slice(i);
      const shorter = Math.min(first.length, second.length);
      if (shorter <= bestShorter) continue;
      const firstKnown = this.faqWords.has(first);
      const secondKnown = this.faqWords.has(second);
      if (
        (firstKnown && secondKnown) ||
        (firstKnown && isStopword(second)) ||
        (secondKnown && isStopword(first))
      ) {
        best = `${first} ${second}`;
        bestShorter = shorter;
      }
    }
    return best;
  }

  private lookUp(word: string): string {
    if (isEnglishWord(word)) return word;
    const edits = editsOf(word);
    let best: string | undefined;
    let start = 0;
    for (const size of editKinds(word)) {
      let bestCount = 0;
      for (let i = start; i < start + size; i++) {
        const edit = edits[i] ?? '';
        const count = this.faqWords.get(edit) ?? 0;
        if (count > bestCount) {
          best = edit;
          bestCount = count;
        }
      }
      if (best) return best;
      start += size;
    }
    const parts = this.faqParts(word);
    if (parts) return parts;
    const vectors = wordVectors();
    const rank = vectors?.rows.get(word);
    if (vectors) {
      const limit = rank === undefined ? COMMON_RANK : Math.min(COMMON_RANK, rank / FREQUENCY_RATIO);
      let start = 0;
      for (const size of editKinds(word)) {
        let bestRank = limit;
        for (let i = start; i < start + size; i++) {
          const edit = edits[i] ?? '';
          const editRank = vectors.rows.get(edit);
          if (editRank !== undefined && editRank < bestRank && (isEnglishWord(edit) || isStopword(edit))) {
            best = edit;
            bestRank = editRank;
          }
        }
        if (best) return best;
        start += size;
      }
    }
    if (word.length >= TWO_EDIT_LENGTH) {
      for (const edit of [word, ...edits.filter((edit) => edit.length < word.length)]) {
        for (const source of this.deletions.get(edit) ?? []) if (this.faqWords.has(source)) return source;
      }
    }
    return word;
  }
}
