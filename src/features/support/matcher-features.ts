import type { IndexedEntry, Phrasing, Vocabulary } from './matcher-index.ts';

/** Similarity features of a candidate FAQ entry for a question, for the matcher's re-ranker. */

/** A question term with its weight and the FAQ terms it matches. */
export interface QueryTerm {
  term: string;
  weight: number;
  matches: ReadonlyMap<string, number>;
}

export interface PreparedQuery {
  terms: QueryTerm[];
  /** The question's content words (corrected), for the semantic features. */
  words: string[];
  /** The matcher term of each of `words`. */
  stems: string[];
  bigrams: Set<string>;
  grams: Map<string, number>;
  gramNorm: number;
  /** Share of the question's weight the FAQ vocabulary knows (exactly or through a relation). */
  known: number;
  /** Share of the question's weight matched exactly. */
  exactShare: number;
}

/** Features of one candidate entry, as fed to the ranker (order matches RANKER_WEIGHTS). */
export const RANK_FEATURES = [
  'queryCoverage',
  'phrasingCoverage',
  'phrasingF1',
  'entryQueryCoverage',
  'entryCoverage',
  'bigrams',
  'trigramCosine',
  'bm25',
  'entryUnionCoverage',
  'naiveBayes',
  'secondQueryCoverage',
  'phrasingBigrams',
  'answerCoverage',
  'fullCoverage',
] as const;

/** How much question words and numbers count relative to other words. */
export interface TermWeights {
  lowInformationWeight: number;
}

/**
 * The ranker's features of one entry for a question (see RANK_FEATURES). `scratch` is a map the
 * caller reuses between calls, to keep allocations out of the hot path.
 */
export function rankFeatures(
  entry: IndexedEntry,
  query: PreparedQuery,
  bm25: number,
  vocabulary: Vocabulary,
  s: TermWeights,
  scratch: Map<string, number>,
): number[] {
  let queryMass = 0;
  for (const term of query.terms) queryMass += term.weight;
  const safeMass = queryMass > 0 ? queryMass : 1;

  let bestQueryCoverage = 0;
  let bestPhrasingCoverage = 0;
  let bestF1 = 0;
  let bestCosine = 0;
  let secondQueryCoverage = 0;
  let bestPhrasingBigrams = 0;
  for (const phrasing of entry.phrasings) {
    const matched = scratch;
    matched.clear();
    let covered = 0;
    for (const term of query.terms) {
      let strength = 0;
      for (const [faqTerm, match] of term.matches) {
        if (match > strength && phrasing.terms.has(faqTerm)) {
          strength = match;
          if ((matched.get(faqTerm) ?? 0) < match) matched.set(faqTerm, match);
        }
      }
      covered += term.weight * strength;
    }
    let phrasingMass = 0;
    let phrasingCovered = 0;
    for (const faqTerm of phrasing.terms) {
      const weight = vocabulary.idf(faqTerm) * vocabulary.termWeight(faqTerm, s.lowInformationWeight);
      phrasingMass += weight;
      phrasingCovered += weight * (matched.get(faqTerm) ?? 0);
    }
    const queryCoverage = covered / safeMass;
    const phrasingCoverage = phrasingMass > 0 ? phrasingCovered / phrasingMass : 0;
    const f1 =
      queryCoverage + phrasingCoverage > 0
        ? (2 * queryCoverage * phrasingCoverage) / (queryCoverage + phrasingCoverage)
        : 0;
    if (queryCoverage > bestQueryCoverage) {
      secondQueryCoverage = bestQueryCoverage;
    } else if (queryCoverage > secondQueryCoverage) {
      secondQueryCoverage = queryCoverage;
    }
    let pairHits = 0;
    for (const pair of query.bigrams) if (phrasing.bigrams.has(pair)) pairHits++;
    bestPhrasingBigrams = Math.max(
      bestPhrasingBigrams,
      query.bigrams.size > 0 ? pairHits / query.bigrams.size : 0,
    );
    bestQueryCoverage = Math.max(bestQueryCoverage, queryCoverage);
    bestPhrasingCoverage = Math.max(bestPhrasingCoverage, phrasingCoverage);
    bestF1 = Math.max(bestF1, f1);
    bestCosine = Math.max(bestCosine, gramCosine(query, phrasing));
  }

  // Whole entry: terms weighted by the share of phrasings using them.
  const entryMatched = scratch;
  entryMatched.clear();
  let entryCovered = 0;
  let unionCovered = 0;
  // Multinomial naive Bayes over the entry's phrasings (add-half smoothing), relative to a term
  // the entry never uses: log-odds per question term, averaged.
  const phrasingCount = entry.phrasings.length;
  let entryLength = 0;
  for (const share of entry.share.values()) entryLength += share * phrasingCount;
  const alpha = 0.5;
  const smoothing = alpha * Math.max(1, vocabulary.entryFrequency.size);
  let naiveBayes = 0;
  let answerCovered = 0;
  let fullCovered = 0;
  for (const term of query.terms) {
    let strength = 0;
    let unionStrength = 0;
    let answerStrength = 0;
    let count = 0;
    for (const [faqTerm, match] of term.matches) {
      if (match > answerStrength && entry.answerTerms.has(faqTerm)) answerStrength = match;
      const share = entry.share.get(faqTerm);
      if (share === undefined) continue;
      count = Math.max(count, match * share * phrasingCount);
      unionStrength = Math.max(unionStrength, match);
      strength = Math.max(strength, match * Math.sqrt(share));
      entryMatched.set(faqTerm, Math.max(entryMatched.get(faqTerm) ?? 0, match));
    }
    entryCovered += term.weight * strength;
    unionCovered += term.weight * unionStrength;
    answerCovered += term.weight * answerStrength;
    fullCovered += term.weight * Math.max(unionStrength, answerStrength);
    naiveBayes += Math.log((count + alpha) / alpha) - Math.log((entryLength + smoothing) / smoothing);
  }
  let entryMass = 0;
  let entryTermsCovered = 0;
  for (const [faqTerm, share] of entry.share) {
    const weight = share * vocabulary.idf(faqTerm) * vocabulary.termWeight(faqTerm, s.lowInformationWeight);
    entryMass += weight;
    entryTermsCovered += weight * (entryMatched.get(faqTerm) ?? 0);
  }
  let bigramHits = 0;
  for (const pair of query.bigrams) if (entry.bigrams.has(pair)) bigramHits++;

  return [
    bestQueryCoverage,
    bestPhrasingCoverage,
    bestF1,
    entryCovered / safeMass,
    entryMass > 0 ? entryTermsCovered / entryMass : 0,
    query.bigrams.size > 0 ? bigramHits / query.bigrams.size : 0,
    bestCosine,
    bm25,
    unionCovered / safeMass,
    query.terms.length > 0 ? naiveBayes / query.terms.length : 0,
    secondQueryCoverage,
    bestPhrasingBigrams,
    answerCovered / safeMass,
    fullCovered / safeMass,
  ];
}

/** Weight (relative to the rarest term) of the heaviest question term the entry does not explain. */
export function unexplainedWeight(entry: IndexedEntry, query: PreparedQuery, vocabulary: Vocabulary): number {
  const maxIdf = vocabulary.idf('\u0000');
  let worst = 0;
  for (const term of query.terms) {
    let strength = 0;
    for (const [faqTerm, match] of term.matches)
      if (entry.share.has(faqTerm) || entry.answerTerms.has(faqTerm)) strength = Math.max(strength, match);
    worst = Math.max(worst, (term.weight / maxIdf) * (1 - strength));
  }
  return worst;
}

/** Cosine of the question's and a phrasing's character trigram counts. */
function gramCosine(query: PreparedQuery, phrasing: Phrasing): number {
  const norms = query.gramNorm * phrasing.gramNorm;
  if (norms === 0) return 0;
  let dot = 0;
  for (const [gram, count] of query.grams) dot += count * (phrasing.grams.get(gram) ?? 0);
  return dot / norms;
}

/** Strength in [0, 1] with which an entry (phrasings or answer) matches a question term lexically. */
export function lexicalStrength(entry: IndexedEntry, term: QueryTerm | undefined): number {
  let strength = 0;
  for (const [faqTerm, match] of term?.matches ?? []) {
    if (match > strength && (entry.share.has(faqTerm) || entry.answerTerms.has(faqTerm))) strength = match;
  }
  return strength;
}
