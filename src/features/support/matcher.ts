import MiniSearch from 'minisearch';
import { decisionFeaturesOf, dotProduct, sigmoid, wordExplanations } from './matcher-decision.ts';
import { wordVectors } from './matcher-embeddings.ts';
import { type PreparedQuery, type QueryTerm, rankFeatures, unexplainedWeight } from './matcher-features.ts';
import {
  buildEntry,
  type IndexedEntry,
  MAX_PHRASING_CHARS,
  NGRAM_SIZE,
  termBigrams,
  Vocabulary,
} from './matcher-index.ts';
import type { SemanticEntry, SemanticText } from './matcher-semantic.ts';
import { rarity, semanticEntry, semanticFeatures, semanticWords, softAlignment } from './matcher-semantic.ts';
import { DEFAULT_MATCHER_SETTINGS, type MatcherSettings } from './matcher-settings.ts';
import { Speller } from './matcher-spelling.ts';
import type { ExplainedCandidate, FaqDocument, FaqMatch, MatchExplanation } from './matcher-types.ts';

export { ABSTAIN_FEATURES, DECISION_FEATURES, RANKER_FEATURES } from './matcher-decision.ts';

import {
  charNgrams,
  contentTokens,
  isStopword,
  Lexicon,
  normalizeText,
  splitWords,
  termOf,
} from './matcher-text.ts';

/** Rarest answer words that take part in the question→answer alignment. */
const ALIGNED_ANSWER_WORDS = 24;
/** Candidates whose explanation of the question feeds the decision (those an ask-back may offer). */
const DECISION_CANDIDATES = 3;

/**
 * FAQ matcher for the support feature: finds the FAQ entries a customer's free-form question may be
 * about, and how sure it is (decide.ts turns that into answer / ask back / hand over).
 *
 * 1. Normalize: contractions, text-speak and British spellings, general phrases and word groups
 *    (data/english-words.json) plus the owners' own groups, stopwords, Porter stems; question words
 *    that are neither in the FAQ nor English are corrected by edit distance (matcher-text.ts,
 *    matcher-concepts.ts, matcher-spelling.ts).
 * 2. Retrieve: MiniSearch (BM25+) over each entry's phrasings and, with less weight, its answer; the
 *    question's terms reach FAQ words through WordNet/word-list relations precomputed from the
 *    FAQ's own vocabulary (matcher-index.ts).
 * 3. Re-rank the best few entries (every entry of a small FAQ) with a linear model over similarity
 *    features (IDF-weighted coverage both ways, of phrasings, entry and answer, term bigrams, trigram
 *    cosine, BM25, naive Bayes) and soft alignments through GloVe vectors (matcher-semantic.ts).
 * 4. Decide: a logistic model over the top score, the margin to the runner-up and how much of the
 *    question the best entry explains (`confidence`, as before); and two small-business models over
 *    FAQ-relative evidence (matcher-decision.ts): is the best entry right (`answerProbability`), is
 *    the right entry among the ask-back choices (`inScope`). Weights: fitted offline on dev data
 *    only (bench/faq-fit.ts, bench/faq-fit-decision.ts), the same for every FAQ.
 */

export { DEFAULT_MATCHER_SETTINGS, type MatcherSettings } from './matcher-settings.ts';
export type {
  ExplainedCandidate,
  FaqDocument,
  FaqMatch,
  MatchCandidate,
  MatchExplanation,
} from './matcher-types.ts';

/** Answer words the retrieval pass indexes: the rarest, which name the details customers ask about. */
const INDEXED_ANSWER_WORDS = 16;

/** The terms of the rarest content words of a text (general-English rarity), at most INDEXED_ANSWER_WORDS. */
function rarestTerms(words: readonly string[]): string[] {
  const content = [...new Set(words.filter((word) => !isStopword(word)))];
  content.sort((a, b) => rarity(b) - rarity(a));
  return [...new Set(content.slice(0, INDEXED_ANSWER_WORDS).map((word) => termOf(word)))];
}

/** Weight of the answer field relative to the phrasings in the retrieval pass. */
const ANSWER_FIELD_BOOST = 0.5;

const ABSTAINED: FaqMatch = {
  entryId: null,
  confidence: 0,
  answerProbability: 0,
  inScope: 0,
  abstained: true,
  candidates: [],
};

/** Matches customer questions to FAQ entries; see the file comment for the method. */
export class FaqMatcher {
  private readonly settings: MatcherSettings;
  private readonly index: MiniSearch<{ id: string; text: string; answer: string }>;
  private readonly entries = new Map<string, IndexedEntry>();
  private readonly semantic = new Map<string, SemanticEntry | null>();
  private readonly answers = new Map<string, SemanticText | null>();
  /** Each entry's phrasings and answer, as written (decide.ts looks for named days in it). */
  private readonly texts = new Map<string, string>();
  /** Each entry's words, for the speller's bookkeeping on removal. */
  private readonly words = new Map<string, string[]>();
  private readonly vocabulary = new Vocabulary();
  private readonly speller = new Speller();
  private lexicon = new Lexicon();
  /** Reused per candidate to keep allocations out of the hot path. */
  private readonly scratchMatched = new Map<string, number>();

  constructor(settings: Partial<MatcherSettings> = {}) {
    this.settings = { ...DEFAULT_MATCHER_SETTINGS, ...settings };
    this.index = new MiniSearch<{ id: string; text: string; answer: string }>({
      idField: 'id',
      fields: ['text', 'answer'],
      storeFields: [],
      tokenize: (text) => text.split(' ').filter((term) => term.length > 0),
      processTerm: (term) => term,
    });
  }

  /** Number of FAQ entries indexed. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Replaces the whole FAQ; `wordGroups` are the owners' own groups of interchangeable words or
   * phrases (the first names the group), applied to the FAQ and to every question.
   */
  replaceAll(docs: readonly FaqDocument[], wordGroups?: readonly (readonly string[])[]): void {
    this.index.removeAll();
    this.entries.clear();
    this.semantic.clear();
    this.answers.clear();
    this.words.clear();
    this.texts.clear();
    this.vocabulary.clear();
    this.speller.clear();
    if (wordGroups) this.lexicon = new Lexicon(wordGroups);
    for (const doc of docs) this.upsert(doc);
  }

  /** Adds an entry, or replaces the entry with the same id. */
  upsert(doc: FaqDocument): void {
    this.remove(doc.id);
    const texts = [doc.question, ...doc.alternatives];
    const answer = doc.answer ?? '';
    const entry = buildEntry(doc.id, texts, answer, this.lexicon);
    if (!entry) return;
    const options = { lexicon: this.lexicon };
    const words = texts.flatMap((text) => contentTokens(text, 2000, 64, options).map((token) => token.word));
    const answerWords = splitWords(normalizeText(answer, MAX_PHRASING_CHARS, this.lexicon), 200);
    this.index.add({
      id: doc.id,
      text: entry.phrasings.map((phrasing) => phrasing.text).join(' '),
      answer: rarestTerms(answerWords).join(' '),
    });
    this.entries.set(doc.id, entry);
    this.semantic.set(doc.id, semanticEntry(texts, MAX_PHRASING_CHARS));
    this.answers.set(doc.id, answer ? semanticWords(answerWords, ALIGNED_ANSWER_WORDS) : null);
    this.vocabulary.add(entry, [...words, ...answerWords.filter((word) => !isStopword(word))]);
    const all = [...words, ...answerWords];
    this.words.set(doc.id, all);
    this.texts.set(doc.id, [...texts, answer].join('\n'));
    this.speller.add(all);
  }

  /** Removes an entry; unknown ids are ignored. */
  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.index.discard(id);
    this.entries.delete(id);
    this.semantic.delete(id);
    this.answers.delete(id);
    this.vocabulary.remove(entry);
    this.speller.remove(this.words.get(id) ?? []);
    this.words.delete(id);
    this.texts.delete(id);
  }

  /** An entry's phrasings and answer as written; empty for unknown ids. */
  entryText(id: string): string {
    return this.texts.get(id) ?? '';
  }

  /** A question's words as the matcher reads them: normalized, casual spellings and typos corrected. */
  questionWords(text: string): string[] {
    return contentTokens(text, this.settings.maxQueryChars, this.settings.maxQueryTokens, {
      lexicon: this.lexicon,
      ...(this.settings.correctSpelling
        ? {
            correct: (word: string) => this.speller.correct(word),
            inFaq: (word: string) => this.speller.inFaq(word),
          }
        : {}),
    }).map((token) => token.word);
  }

  /** Finds the entry a question asks about, or abstains. Never throws. */
  match(text: string): FaqMatch {
    return this.explain(text).match;
  }

  /** Like match, with the features behind the decision (used by bench/faq-fit.ts). */
  explain(text: string): MatchExplanation {
    try {
      return this.explainUnsafe(typeof text === 'string' ? text : '');
    } catch {
      return { candidates: [], queryFeatures: [], abstainFeatures: [], match: ABSTAINED };
    }
  }

  private explainUnsafe(text: string): MatchExplanation {
    const empty: MatchExplanation = {
      candidates: [],
      queryFeatures: [],
      abstainFeatures: [],
      match: ABSTAINED,
    };
    if (this.size === 0) return empty;
    const query = this.prepare(text);
    if (!query) return empty;
    const candidates = this.rankPrepared(query);
    const best = candidates[0];
    if (!best) return empty;
    return this.decideOn(query, candidates, best);
  }

  private decideOn(
    query: PreparedQuery,
    candidates: ExplainedCandidate[],
    best: ExplainedCandidate,
  ): MatchExplanation {
    const s = this.settings;
    const abstainFeatures = [
      best.score,
      best.score - (candidates[1]?.score ?? 0),
      candidates[1] ? 0 : 1,
      ...best.features,
      best.unexplained,
      ...this.queryFeatures(query),
    ];
    const bias = s.abstainWeights[abstainFeatures.length] ?? 0;
    const confidence = sigmoid(dotProduct(s.abstainWeights, abstainFeatures) + bias);
    const decisionFeatures = decisionFeaturesOf({
      ranked: candidates,
      query,
      known: abstainFeatures[abstainFeatures.length - 4] ?? 0,
      explanations: candidates
        .slice(0, DECISION_CANDIDATES)
        .map(({ id }) =>
          wordExplanations(query, this.entries.get(id), this.semantic.get(id), this.answers.get(id)),
        ),
    });
    const answerProbability = sigmoid(
      dotProduct(s.answerWeights, decisionFeatures) + (s.answerWeights[decisionFeatures.length] ?? 0),
    );
    const inScope = sigmoid(
      dotProduct(s.choiceWeights, decisionFeatures) + (s.choiceWeights[decisionFeatures.length] ?? 0),
    );
    const reported = candidates
      .slice(0, s.reportedCandidates)
      .map((candidate) => ({ id: candidate.id, score: Number(candidate.score.toFixed(4)) }));
    const answered = confidence >= s.minConfidence;
    const match: FaqMatch = {
      entryId: answered ? best.id : null,
      confidence: Number(confidence.toFixed(4)),
      answerProbability: Number(answerProbability.toFixed(4)),
      inScope: Number(inScope.toFixed(4)),
      abstained: !answered,
      candidates: reported,
    };
    return { candidates, queryFeatures: this.queryFeatures(query), abstainFeatures, decisionFeatures, match };
  }

  /** Retrieves and re-ranks the entries for a prepared question, best first. */
  private rankPrepared(query: PreparedQuery): ExplainedCandidate[] {
    const s = this.settings;
    const pool = this.retrieve(query);
    if (this.size <= s.rerankWholeUpTo) {
      const pooled = new Set(pool.map(([id]) => id));
      for (const id of this.entries.keys()) if (!pooled.has(id)) pool.push([id, 0]);
    }
    if (pool.length === 0) return [];
    const queryVector = semanticWords(query.words);
    const vectors = wordVectors();
    const wordSimilarities = new Map<number, Float64Array>();
    const candidates: ExplainedCandidate[] = [];
    for (const [id, bm25] of pool) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      const features = rankFeatures(entry, query, bm25, this.vocabulary, s, this.scratchMatched);
      features.push(...semanticFeatures(queryVector, this.semantic.get(id), wordSimilarities));
      const answer = this.answers.get(id);
      features.push(queryVector && answer && vectors ? softAlignment(queryVector, answer, vectors)[0] : 0);
      candidates.push({
        id,
        features,
        unexplained: unexplainedWeight(entry, query, this.vocabulary),
        score: dotProduct(s.rankerWeights, features),
      });
    }
    candidates.sort((a, b) => b.score - a.score);
    return candidates;
  }

  /** Question terms, weights, matches and n-grams; null when nothing is searchable. */
  private prepare(text: string): PreparedQuery | null {
    const s = this.settings;
    const tokens = contentTokens(text, s.maxQueryChars, s.maxQueryTokens, {
      lexicon: this.lexicon,
      ...(this.settings.correctSpelling
        ? {
            correct: (word: string) => this.speller.correct(word),
            inFaq: (word: string) => this.speller.inFaq(word),
          }
        : {}),
    });
    if (tokens.length === 0) return null;
    const terms: QueryTerm[] = [];
    const seen = new Set<string>();
    let mass = 0;
    let known = 0;
    let exact = 0;
    for (const token of tokens) {
      if (seen.has(token.stem)) continue;
      seen.add(token.stem);
      const weight =
        this.vocabulary.idf(token.stem) * this.vocabulary.termWeight(token.stem, s.lowInformationWeight);
      const matches = this.vocabulary.matchesOf(token.stem);
      terms.push({ term: token.stem, weight, matches });
      mass += weight;
      if (matches.size > 0) known += weight;
      if (matches.get(token.stem) === 1) exact += weight;
    }
    const grams = charNgrams(
      tokens.map((token) => token.word),
      NGRAM_SIZE,
    );
    let gramNorm = 0;
    for (const count of grams.values()) gramNorm += count * count;
    return {
      terms,
      words: tokens.map((token) => token.word),
      stems: tokens.map((token) => token.stem),
      bigrams: termBigrams(tokens.map((token) => token.stem)),
      grams,
      gramNorm: Math.sqrt(gramNorm),
      known: mass > 0 ? known / mass : 0,
      exactShare: mass > 0 ? exact / mass : 0,
    };
  }

  /**
   * BM25 pass over whole entries: the best entries with their score relative to the top. Only the
   * most informative question terms (and their relations) are sent, which keeps the cost flat on
   * large FAQs; the re-ranker then looks at every term.
   */
  private retrieve(query: PreparedQuery): [string, number][] {
    const boosts = new Map<string, number>();
    for (const term of query.terms) {
      for (const [faqTerm, strength] of term.matches) {
        const boost = strength * term.weight;
        if (boost > (boosts.get(faqTerm) ?? 0)) boosts.set(faqTerm, boost);
      }
    }
    if (boosts.size === 0) return [];
    const sent: string[] = [];
    let postings = 0;
    let rarest: [string, number] | undefined;
    for (const [term] of [...boosts.entries()].sort((a, b) => b[1] - a[1])) {
      const frequency = this.vocabulary.entryFrequency.get(term) ?? 0;
      if (!rarest || frequency < rarest[1]) rarest = [term, frequency];
      if (sent.length >= this.settings.retrievalTerms) break;
      if (postings + frequency > this.settings.retrievalPostings) continue;
      sent.push(term);
      postings += frequency;
    }
    // Every term is common: the rarest one alone picks the candidates, unless it is so common (in a
    // large FAQ) that the question cannot single anything out; then there is nothing to answer with.
    if (sent.length === 0 && rarest && rarest[1] <= 2 * this.settings.retrievalPostings) sent.push(rarest[0]);
    if (sent.length === 0) return [];
    const results = this.index.search(sent.join(' '), {
      combineWith: 'OR',
      boost: { text: 1, answer: ANSWER_FIELD_BOOST },
      boostTerm: (term) => boosts.get(term) ?? 1,
      fuzzy: false,
      prefix: false,
    });
    const pool = results.slice(0, this.settings.rerankPool);
    const top = pool[0]?.score ?? 0;
    return pool.map((result) => [String(result.id), top > 0 ? result.score / top : 0]);
  }

  /** Features of the question alone (the tail of ABSTAIN_FEATURES). */
  private queryFeatures(query: PreparedQuery): number[] {
    return [
      query.known,
      query.exactShare,
      query.terms.length <= 2 ? 1 : 0,
      1 / Math.sqrt(Math.max(1, this.size)),
    ];
  }
}
