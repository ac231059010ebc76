import MiniSearch from 'minisearch';
import { charNgrams, contentTokens, isLowInformation, stemWord } from './matcher-text.ts';
import { relatedWords, type WordRelation } from './matcher-wordnet.ts';

/**
 * FAQ matcher for the support feature: finds the FAQ entry a customer's free-form question asks
 * about, or abstains so a person can take over.
 *
 * Retrieval is MiniSearch (BM25+ with fuzzy terms) over every phrasing of every entry (question and
 * alternatives, never the answer). The best few entries are then re-ranked by a similarity in
 * [0, 1] that MiniSearch lacks: IDF-weighted coverage of the question by the phrasing and of the
 * phrasing by the question (counting synonyms and one-typo matches at reduced weight), blended with
 * character-trigram cosine. That similarity is the confidence; low confidence or a near tie abstains.
 */

export interface FaqDocument {
  id: string;
  question: string;
  alternatives: readonly string[];
}

export interface MatchCandidate {
  id: string;
  /** Similarity in [0, 1]. */
  score: number;
}

export interface FaqMatch {
  /** The matched entry, or null when the matcher abstained. */
  entryId: string | null;
  /** Confidence in [0, 1] of the best candidate. */
  confidence: number;
  abstained: boolean;
  /** Best candidates first, for the owners' view of what the bot considered. */
  candidates: MatchCandidate[];
}

export interface MatcherSettings {
  /** Characters of a question that are read; the rest is ignored. */
  maxQueryChars: number;
  /** Content words of a question that are used; the rest is ignored. */
  maxQueryTokens: number;
  /** Entries from the BM25 pass that are re-ranked. */
  rerankPool: number;
  /** Candidates reported in a match. */
  reportedCandidates: number;
  /** Weight of a WordNet synonym match relative to an exact match. */
  synonymWeight: number;
  /** Weight of a derivationally related word ("fraudulent" / "fraud"). */
  derivedWeight: number;
  /** Weight of a broader or narrower word ("shred" / "tear"). */
  broaderWeight: number;
  /** WordNet senses of a word that are followed, most common first. */
  wordSenses: number;
  /** Weight of a one-typo match relative to an exact match. */
  fuzzyWeight: number;
  /** Weight of a match where one stem starts with the other ("fraud", "fraudul"). */
  prefixWeight: number;
  /** Shortest stem that may match as a prefix. */
  prefixMinLength: number;
  /** Shortest word that may match with one typo. */
  fuzzyMinLength: number;
  /** Weight of question words (how, when, ...) and numbers relative to other words. */
  lowInformationWeight: number;
  /** IDF of a word the FAQ never uses, as a fraction of the highest IDF. */
  unknownWordIdfFraction: number;
  /** Share of the similarity that comes from character trigrams (the rest from word coverage). */
  ngramShare: number;
  /** Share of the question-side coverage in the word similarity (the rest is phrasing-side). */
  queryCoverageShare: number;
  /** Share of the whole-entry profile in an entry's similarity (the rest from its best phrasing). */
  entryProfileShare: number;
  /** How strongly a word's share of an entry's phrasings scales its match (0: not at all). */
  consistencyExponent: number;
  /** Share of the BM25 score (relative to the best in the pool) in the final score. */
  bm25Share: number;
  /** Below this confidence the matcher abstains. */
  minConfidence: number;
  /** The matcher abstains when the runner-up is closer than this to the best entry. */
  minMargin: number;
}

export const DEFAULT_MATCHER_SETTINGS: MatcherSettings = {
  maxQueryChars: 1000,
  maxQueryTokens: 32,
  rerankPool: 12,
  reportedCandidates: 3,
  synonymWeight: 0.6,
  derivedWeight: 0.6,
  broaderWeight: 0.4,
  wordSenses: 3,
  fuzzyWeight: 0.7,
  fuzzyMinLength: 5,
  prefixWeight: 0.7,
  prefixMinLength: 4,
  lowInformationWeight: 0.3,
  unknownWordIdfFraction: 0.6,
  ngramShare: 0.3,
  queryCoverageShare: 0.5,
  entryProfileShare: 0.5,
  consistencyExponent: 0.5,
  bm25Share: 0,
  minConfidence: 0.3,
  minMargin: 0,
};

/** Longest FAQ phrasing that is indexed, in characters. */
const MAX_PHRASING_CHARS = 2000;
const MAX_PHRASING_TOKENS = 64;
const NGRAM_SIZE = 3;

/** Weighted words and character trigrams of a phrasing, or of a whole entry. */
interface Profile {
  /** Stem to weight in (0, 1]: 1 for a phrasing; for an entry, the share of its phrasings using it. */
  terms: ReadonlyMap<string, number>;
  grams: ReadonlyMap<string, number>;
  gramNorm: number;
}

/** One indexed phrasing (question or alternative) of an entry. */
interface Phrasing {
  key: string;
  entryId: string;
  /** Stems joined by spaces: the text MiniSearch indexes. */
  text: string;
  profile: Profile;
}

interface Entry {
  phrasings: Phrasing[];
  /** All phrasings together: words shared by several phrasings weigh more than incidental ones. */
  profile: Profile;
}

interface ScoredEntry {
  id: string;
  score: number;
}

/** A question word with what it may match. */
interface QueryTerm {
  stem: string;
  weight: number;
  /** FAQ stems related to the word (WordNet), with the strength of the relation. */
  related: ReadonlyMap<string, number>;
}

function vectorNorm(vector: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const value of vector.values()) sum += value * value;
  return Math.sqrt(sum);
}

/** True when `a` and `b` differ by at most one insertion, deletion or substitution. */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < shorter.length && shorter[i] === longer[i]) i++;
  if (shorter.length === longer.length) return shorter.slice(i + 1) === longer.slice(i + 1);
  return shorter.slice(i) === longer.slice(i + 1);
}

function clamp01(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value));
}

function makeProfile(terms: ReadonlyMap<string, number>, grams: ReadonlyMap<string, number>): Profile {
  return { terms, grams, gramNorm: vectorNorm(grams) };
}

/** Sums count maps. */
function addCounts(into: Map<string, number>, from: ReadonlyMap<string, number>, scale: number): void {
  for (const [key, value] of from) into.set(key, (into.get(key) ?? 0) + value * scale);
}

/** Matches customer questions to FAQ entries; see the file comment for the method. */
export class FaqMatcher {
  private readonly settings: MatcherSettings;
  private readonly index: MiniSearch<Phrasing>;
  private readonly entries = new Map<string, Entry>();
  /** Number of entries whose phrasings contain each stem. */
  private readonly entryFrequency = new Map<string, number>();
  /** Stem of a word related to a FAQ word, to the FAQ stems it relates to and how strongly. */
  private readonly relatedToFaq = new Map<string, Map<string, number>>();
  /** FAQ words already expanded into `relatedToFaq`. */
  private readonly expandedFaqWords = new Set<string>();

  constructor(settings: Partial<MatcherSettings> = {}) {
    this.settings = { ...DEFAULT_MATCHER_SETTINGS, ...settings };
    this.index = new MiniSearch<Phrasing>({
      idField: 'key',
      fields: ['text'],
      storeFields: [],
      tokenize: (text) => text.split(' ').filter((term) => term.length > 0),
      processTerm: (term) => term,
    });
  }

  /** Number of FAQ entries indexed. */
  get size(): number {
    return this.entries.size;
  }

  /** Replaces the whole FAQ. */
  replaceAll(docs: readonly FaqDocument[]): void {
    this.index.removeAll();
    this.entries.clear();
    this.entryFrequency.clear();
    this.relatedToFaq.clear();
    this.expandedFaqWords.clear();
    for (const doc of docs) this.upsert(doc);
  }

  /** Adds an entry, or replaces the entry with the same id. */
  upsert(doc: FaqDocument): void {
    this.remove(doc.id);
    const phrasings: Phrasing[] = [];
    [doc.question, ...doc.alternatives].forEach((text, position) => {
      const tokens = contentTokens(text, MAX_PHRASING_CHARS, MAX_PHRASING_TOKENS);
      if (tokens.length === 0) return;
      const stems = [...new Set(tokens.map((token) => token.stem))];
      for (const token of tokens) this.expandFaqWord(token.word, token.stem);
      const grams = charNgrams(
        tokens.map((token) => token.word),
        NGRAM_SIZE,
      );
      phrasings.push({
        key: `${doc.id}\u0000${position}`,
        entryId: doc.id,
        text: stems.join(' '),
        profile: makeProfile(new Map(stems.map((stem) => [stem, 1])), grams),
      });
    });
    if (phrasings.length === 0) return;
    const entryTerms = new Map<string, number>();
    const entryGrams = new Map<string, number>();
    for (const phrasing of phrasings) {
      addCounts(entryTerms, phrasing.profile.terms, 1 / phrasings.length);
      addCounts(entryGrams, phrasing.profile.grams, 1 / Math.max(phrasing.profile.gramNorm, 1e-9));
    }
    this.index.addAll(phrasings);
    this.entries.set(doc.id, { phrasings, profile: makeProfile(entryTerms, entryGrams) });
    for (const stem of entryTerms.keys())
      this.entryFrequency.set(stem, (this.entryFrequency.get(stem) ?? 0) + 1);
  }

  /** Removes an entry; unknown ids are ignored. */
  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.index.removeAll(entry.phrasings);
    this.entries.delete(id);
    for (const stem of entry.profile.terms.keys()) {
      const count = (this.entryFrequency.get(stem) ?? 0) - 1;
      if (count > 0) this.entryFrequency.set(stem, count);
      else this.entryFrequency.delete(stem);
    }
  }

  /** Finds the entry a question asks about, or abstains. Never throws. */
  match(text: string): FaqMatch {
    try {
      return this.matchUnsafe(typeof text === 'string' ? text : '');
    } catch {
      return { entryId: null, confidence: 0, abstained: true, candidates: [] };
    }
  }

  private matchUnsafe(text: string): FaqMatch {
    const s = this.settings;
    const abstain = (candidates: MatchCandidate[] = []): FaqMatch => ({
      entryId: null,
      confidence: candidates[0]?.score ?? 0,
      abstained: true,
      candidates,
    });
    if (this.size === 0) return abstain();
    const tokens = contentTokens(text, s.maxQueryChars, s.maxQueryTokens);
    if (tokens.length === 0) return abstain();

    const queryTerms = this.buildQueryTerms(tokens.map((token) => token.word));
    const pool = this.retrieve(queryTerms);
    if (pool.length === 0) return abstain();

    const queryGrams = charNgrams(
      tokens.map((token) => token.word),
      NGRAM_SIZE,
    );
    const query = makeProfile(new Map(), queryGrams);
    const ranked = pool
      .map((entry) => ({
        id: entry.id,
        score:
          (1 - s.bm25Share) * this.entrySimilarity(entry.id, queryTerms, query) +
          s.bm25Share * entry.score * (pool.length > 1 ? 1 : 0.5),
      }))
      .sort((a, b) => b.score - a.score);

    const candidates = ranked.slice(0, s.reportedCandidates).map((entry) => ({
      id: entry.id,
      score: Number(entry.score.toFixed(4)),
    }));
    const best = ranked[0];
    if (!best) return abstain();
    const margin = best.score - (ranked[1]?.score ?? 0);
    if (best.score < s.minConfidence || margin < s.minMargin) return abstain(candidates);
    return { entryId: best.id, confidence: clamp01(best.score), abstained: false, candidates };
  }

  private relationWeight(relation: WordRelation): number {
    const s = this.settings;
    if (relation === 'synonym') return s.synonymWeight;
    return relation === 'derived' ? s.derivedWeight : s.broaderWeight;
  }

  /** Records the words related to a FAQ word, so questions using them find the FAQ word. */
  private expandFaqWord(word: string, stem: string): void {
    if (this.expandedFaqWords.has(word)) return;
    this.expandedFaqWords.add(word);
    for (const related of relatedWords(word, this.settings.wordSenses)) {
      const relatedStem = stemWord(related.word);
      if (relatedStem === stem) continue;
      let faqStems = this.relatedToFaq.get(relatedStem);
      if (!faqStems) {
        faqStems = new Map();
        this.relatedToFaq.set(relatedStem, faqStems);
      }
      faqStems.set(stem, Math.max(faqStems.get(stem) ?? 0, this.relationWeight(related.relation)));
    }
  }

  /** Question words with their weights and the related FAQ stems (both ways through WordNet). */
  private buildQueryTerms(words: readonly string[]): QueryTerm[] {
    const byStem = new Map<string, QueryTerm>();
    for (const word of words) {
      const stem = stemWord(word);
      if (byStem.has(stem)) continue;
      const related = new Map<string, number>();
      const keep = (faqStem: string, strength: number) => {
        if (faqStem !== stem && this.entryFrequency.has(faqStem) && strength > (related.get(faqStem) ?? 0)) {
          related.set(faqStem, strength);
        }
      };
      for (const relatedWord of relatedWords(word, this.settings.wordSenses)) {
        keep(stemWord(relatedWord.word), this.relationWeight(relatedWord.relation));
      }
      for (const [faqStem, strength] of this.relatedToFaq.get(stem) ?? []) keep(faqStem, strength);
      byStem.set(stem, { stem, weight: this.wordWeight(word), related });
    }
    return [...byStem.values()];
  }

  /** Weight of a word or stem: question words and numbers count less. */
  private wordWeight(word: string): number {
    return isLowInformation(word) || /^\d+$/.test(word) ? this.settings.lowInformationWeight : 1;
  }

  /** BM25 pass: the ids of the best entries (best phrasing per entry), best first. */
  private retrieve(queryTerms: readonly QueryTerm[]): ScoredEntry[] {
    const s = this.settings;
    const boosts = new Map<string, number>();
    for (const term of queryTerms) {
      boosts.set(term.stem, Math.max(boosts.get(term.stem) ?? 0, term.weight));
      for (const [relatedStem, strength] of term.related) {
        boosts.set(relatedStem, Math.max(boosts.get(relatedStem) ?? 0, term.weight * strength));
      }
    }
    const results = this.index.search([...boosts.keys()].join(' '), {
      combineWith: 'OR',
      boostTerm: (term) => boosts.get(term) ?? 1,
      fuzzy: (term) => (term.length >= s.fuzzyMinLength ? 1 : false),
      prefix: false,
      weights: { fuzzy: s.fuzzyWeight, prefix: 0 },
    });
    const bestByEntry = new Map<string, number>();
    for (const result of results) {
      const key = String(result.id);
      const entryId = key.slice(0, key.lastIndexOf('\u0000'));
      if ((bestByEntry.get(entryId) ?? 0) < result.score) bestByEntry.set(entryId, result.score);
    }
    const pool = [...bestByEntry.entries()].sort((a, b) => b[1] - a[1]).slice(0, s.rerankPool);
    const topScore = pool[0]?.[1] ?? 0;
    return pool.map(([id, score]) => ({ id, score: topScore > 0 ? score / topScore : 0 }));
  }

  /** Inverse entry frequency of a stem; unknown stems get a fixed share of the maximum. */
  private idf(stem: string): number {
    const total = this.size;
    const frequency = this.entryFrequency.get(stem);
    if (frequency === undefined) return Math.log(1 + total / 0.5) * this.settings.unknownWordIdfFraction;
    return Math.log(1 + total / frequency);
  }

  /** Similarity of an entry: its whole-entry profile blended with its best phrasing. */
  private entrySimilarity(entryId: string, queryTerms: readonly QueryTerm[], query: Profile): number {
    const entry = this.entries.get(entryId);
    if (!entry) return 0;
    let bestPhrasing = 0;
    for (const phrasing of entry.phrasings) {
      bestPhrasing = Math.max(bestPhrasing, this.profileSimilarity(phrasing.profile, queryTerms, query));
    }
    const share = this.settings.entryProfileShare;
    if (share <= 0) return bestPhrasing;
    return share * this.profileSimilarity(entry.profile, queryTerms, query) + (1 - share) * bestPhrasing;
  }

  /** Strength in [0, 1] with which a question term matches a stem. */
  private termMatch(term: QueryTerm, stem: string): number {
    const s = this.settings;
    if (term.stem === stem) return 1;
    const related = term.related.get(stem);
    if (related !== undefined) return related;
    if (
      term.stem.length >= s.fuzzyMinLength &&
      stem.length >= s.fuzzyMinLength &&
      withinOneEdit(term.stem, stem)
    ) {
      return s.fuzzyWeight;
    }
    const [shorter, longer] = term.stem.length <= stem.length ? [term.stem, stem] : [stem, term.stem];
    if (shorter.length >= s.prefixMinLength && longer.startsWith(shorter)) return s.prefixWeight;
    return 0;
  }

  /**
   * Word-coverage similarity blended with character-trigram cosine, in [0, 1]. Coverage is counted
   * both ways (how much of the question the profile explains, and how much of the profile the
   * question touches), weighted by IDF and by the profile's own term weights.
   */
  private profileSimilarity(profile: Profile, queryTerms: readonly QueryTerm[], query: Profile): number {
    const s = this.settings;
    const profileMatched = new Map<string, number>();
    let queryMass = 0;
    let queryMatched = 0;
    for (const term of queryTerms) {
      const weight = this.idf(term.stem) * term.weight;
      queryMass += weight;
      let strength = 0;
      for (const [stem, termWeight] of profile.terms) {
        const match = this.termMatch(term, stem);
        if (match === 0) continue;
        strength = Math.max(strength, match * termWeight ** s.consistencyExponent);
        profileMatched.set(stem, Math.max(profileMatched.get(stem) ?? 0, match));
      }
      queryMatched += weight * strength;
    }
    let profileMass = 0;
    let profileCovered = 0;
    for (const [stem, termWeight] of profile.terms) {
      const weight = this.idf(stem) * this.wordWeight(stem) * termWeight;
      profileMass += weight;
      profileCovered += weight * (profileMatched.get(stem) ?? 0);
    }
    const queryCoverage = queryMass > 0 ? queryMatched / queryMass : 0;
    const profileCoverage = profileMass > 0 ? profileCovered / profileMass : 0;
    const wordSimilarity =
      s.queryCoverageShare * queryCoverage + (1 - s.queryCoverageShare) * profileCoverage;

    let dot = 0;
    for (const [gram, count] of query.grams) dot += count * (profile.grams.get(gram) ?? 0);
    const gramNorms = query.gramNorm * profile.gramNorm;
    const gramCosine = gramNorms > 0 ? dot / gramNorms : 0;
    return clamp01((1 - s.ngramShare) * wordSimilarity + s.ngramShare * gramCosine);
  }
}
