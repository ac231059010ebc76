import { stemmer } from 'stemmer';
import { englishWords, wordRewrites } from './matcher-concepts.ts';

/** Text normalization for the FAQ matcher: contractions, tokens, stopwords, stems, char n-grams. */

/** Contraction suffixes spelled out so "what's" and "what is" index the same. */
const CONTRACTIONS: readonly (readonly [RegExp, string])[] = [
  [/\bcan't\b/g, 'can not'],
  [/\bwon't\b/g, 'will not'],
  [/\bshan't\b/g, 'shall not'],
  [/n't\b/g, ' not'],
  [/'re\b/g, ' are'],
  [/'ll\b/g, ' will'],
  [/'ve\b/g, ' have'],
  [/'m\b/g, ' am'],
  [/'d\b/g, ' would'],
  [/\b(what|where|when|who|how|why|that|there|it|he|she|here)'s\b/g, '$1 is'],
  [/'s\b/g, ''],
];

/**
 * English function words that carry no intent. Question words (how, when, where, why, who, which)
 * and negations are kept on purpose: they separate entries such as "when to change oil" from
 * "how to change oil".
 */
const STOPWORDS: ReadonlySet<string> = new Set(
  `a an the and or but if then so than too very of at by for with about to from in on into onto
  over under up down out off is am are was were be been being do does did doing have has had having
  i me my mine myself we us our ours you your yours yourself he him his she her hers it its they them
  their theirs this that these those there here what whats s t just also please pls plz kindly can could
  would should shall will may might must let lets tell know want wanna need like get got go going
  im id ive ill youre thats oh um uh any some one thing things ok okay guys folks`
    .split(/\s+/)
    .filter((word) => word.length > 0),
);

/** Words that are weak but still worth keeping when a question has nothing else. */
const LOW_INFORMATION_WORDS: ReadonlySet<string> = new Set([
  'how',
  'what',
  'when',
  'where',
  'why',
  'who',
  'which',
]);

/** A whole-word, longest-first pattern over phrases; null when there are none. */
function phrasePattern(phrases: Iterable<string>): RegExp | null {
  const escaped = [...phrases]
    .filter((phrase) => phrase.length > 0)
    .sort((a, b) => b.length - a.length)
    .map((phrase) => phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (escaped.length === 0) return null;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join('|')})(?![\\p{L}\\p{N}])`, 'gu');
}

/**
 * Rewrites applied to every text before it is split: owners' word groups (each word or phrase of a
 * group read as the group's first word) on top of the built-in phrases. One per matcher.
 */
export class Lexicon {
  private readonly phrases: ReadonlyMap<string, string>;
  private readonly pattern: RegExp | null;

  constructor(ownerGroups: readonly (readonly string[])[] = []) {
    const phrases = new Map(Object.entries(englishWords().phrases));
    for (const group of ownerGroups) {
      const head = normalizeWords(group[0] ?? '');
      if (!head) continue;
      for (const member of group.slice(1)) {
        const phrase = normalizeWords(member);
        if (phrase && phrase !== head) phrases.set(phrase, head);
      }
    }
    this.phrases = phrases;
    this.pattern = phrasePattern(phrases.keys());
  }

  rewrite(text: string): string {
    return this.pattern ? text.replace(this.pattern, (phrase) => this.phrases.get(phrase) ?? phrase) : text;
  }
}

/** Lower-case words of a text joined by single spaces (how word groups are compared). */
export function normalizeWords(text: string): string {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).join(' ');
}

let defaultLexicon: Lexicon | undefined;
let rewrites: ReadonlyMap<string, string> | undefined;

/** The lexicon with the built-in phrases only. */
export function builtInLexicon(): Lexicon {
  defaultLexicon ??= new Lexicon();
  return defaultLexicon;
}

/** A token of a normalized text: the surface word and its stem. */
export interface TextToken {
  word: string;
  stem: string;
}

/**
 * Lower-case, NFKC-fold, spell out contractions and casual spellings ("u" → "you", "dont" → "do not"),
 * fold British spellings, then apply the lexicon's phrases; never throws.
 */
export function normalizeText(text: string, maxChars: number, lexicon = builtInLexicon()): string {
  let folded = text.length > maxChars ? text.slice(0, maxChars) : text;
  folded = folded
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´]/g, "'");
  for (const [pattern, replacement] of CONTRACTIONS) folded = folded.replace(pattern, replacement);
  rewrites ??= wordRewrites();
  const table = rewrites;
  folded = folded.replace(WORD_PATTERN, (word) => table.get(word) ?? word);
  return lexicon.rewrite(folded);
}

const WORD_PATTERN = /[\p{L}\p{N}]+/gu;
const HAN_OR_KANA = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** Splits a CJK run (no spaces) into overlapping character bigrams so it is still searchable. */
function splitCjkRun(run: string): string[] {
  const chars = Array.from(run);
  if (chars.length <= 2) return [run];
  const bigrams: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) bigrams.push(`${chars[i]}${chars[i + 1]}`);
  return bigrams;
}

/** Raw words of a normalized text, at most `maxTokens` of them. */
export function splitWords(normalized: string, maxTokens: number): string[] {
  const words: string[] = [];
  for (const match of normalized.matchAll(WORD_PATTERN)) {
    const word = match[0];
    const parts = HAN_OR_KANA.test(word) ? splitCjkRun(word) : [word];
    for (const part of parts) {
      words.push(part);
      if (words.length >= maxTokens) return words;
    }
  }
  return words;
}

/** Porter stem for Latin-script words; other scripts are kept as they are. */
export function stemWord(word: string): string {
  if (!/^[a-z]+$/.test(word)) return word;
  return word.length <= 3 ? word : stemmer(word);
}

interface ConceptTables {
  /** A word listed in a group, to its group's term (the first group listing it wins). */
  byWord: ReadonlyMap<string, string>;
  /** The stem of a listed word, to its group's term, for inflections the groups do not list. */
  byStem: ReadonlyMap<string, string>;
}

let conceptTables: ConceptTables | undefined;

function loadConceptTables(): ConceptTables {
  const byWord = new Map<string, string>();
  const byStem = new Map<string, string>();
  for (const group of englishWords().groups) {
    const head = group[0];
    if (head === undefined) continue;
    const term = stemWord(head);
    for (const word of group) {
      if (!/^[a-z0-9]+$/.test(word)) continue;
      if (!byWord.has(word)) byWord.set(word, term);
      const stem = stemWord(word);
      if (!byStem.has(stem)) byStem.set(stem, term);
    }
  }
  return { byWord, byStem };
}

/** The matcher's term for a word: its curated group's term when it has one, else its stem. */
export function termOf(word: string): string {
  conceptTables ??= loadConceptTables();
  const listed = conceptTables.byWord.get(word);
  if (listed !== undefined) return listed;
  const stem = stemWord(word);
  return conceptTables.byStem.get(stem) ?? stem;
}

/** True for words that carry no intent at all. */
export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}

/** True for question words: kept, but weighted down. */
export function isLowInformation(word: string): boolean {
  return LOW_INFORMATION_WORDS.has(word);
}

export interface TokenOptions {
  lexicon?: Lexicon;
  /** Spelling correction of a single word, to one word or several separated by spaces (questions only; FAQ text is taken as written). */
  correct?: (word: string) => string;
  /** True for a word the FAQ uses: two question words that spell one of them are joined ("high chairs"). */
  inFaq?: (word: string) => boolean;
}

/**
 * Content tokens of a text: normalized, stopwords dropped, stemmed. If every word is a stopword the
 * stopwords are kept, so "who are you" still has something to match.
 */
export function contentTokens(
  text: string,
  maxChars: number,
  maxTokens: number,
  options: TokenOptions = {},
): TextToken[] {
  let words = splitWords(normalizeText(text, maxChars, options.lexicon), maxTokens);
  if (options.inFaq) words = joinCompounds(words, options.inFaq);
  const correct = options.correct;
  if (correct) words = words.flatMap((word) => correct(word).split(' '));
  const content = words.filter((word) => !isStopword(word));
  const kept = content.length > 0 ? content : words;
  return kept.map((word) => ({ word, stem: termOf(word) }));
}

/** Adjacent words that the FAQ writes as one ("high chairs" → "highchairs"), joined; others kept. */
export function joinCompounds(words: readonly string[], inFaq: (word: string) => boolean): string[] {
  const joined: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const next = words[i + 1];
    if (next !== undefined && word.length >= 2 && next.length >= 2 && inFaq(word + next)) {
      joined.push(word + next);
      i++;
    } else joined.push(word);
  }
  return joined;
}

/** Character n-grams of the words (with boundary marks), counted. */
export function charNgrams(words: readonly string[], size: number): Map<string, number> {
  const grams = new Map<string, number>();
  for (const word of words) {
    const padded = ` ${word} `;
    const chars = Array.from(padded);
    if (chars.length < size) {
      grams.set(padded, (grams.get(padded) ?? 0) + 1);
      continue;
    }
    for (let i = 0; i + size <= chars.length; i++) {
      const gram = chars.slice(i, i + size).join('');
      grams.set(gram, (grams.get(gram) ?? 0) + 1);
    }
  }
  return grams;
}
