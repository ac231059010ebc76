import { lexicalStrength, type PreparedQuery, RANK_FEATURES } from './matcher-features.ts';
import type { IndexedEntry } from './matcher-index.ts';
import { rarity, type SemanticEntry, type SemanticText, vectorExplanations } from './matcher-semantic.ts';

/**
 * Ranker features: the lexical ones, then the soft word-vector alignment question→entry and
 * entry→question, and question→answer.
 */
export const RANKER_FEATURES = [
  ...RANK_FEATURES,
  'alignQuestion',
  'alignEntry',
  'alignPhrasingF1',
  'alignAnswer',
] as const;

/** Features of a whole match, as fed to the abstain model (order matches ABSTAIN_WEIGHTS). */
export const ABSTAIN_FEATURES = [
  'top',
  'margin',
  'noRunnerUp',
  ...RANKER_FEATURES,
  'unexplained',
  'known',
  'exactShare',
  'shortQuery',
  'smallFaq',
] as const;

export function sigmoid(value: number): number {
  return 1 / (1 + Math.exp(-value));
}

export function dotProduct(weights: readonly number[], features: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < features.length; i++) sum += (weights[i] ?? 0) * (features[i] ?? 0);
  return sum;
}

/** Features of the small-business decision models (answer; right entry among the choices). */
export const DECISION_FEATURES = [
  'top',
  'margin',
  'fullCoverage',
  'answerCoverage',
  'phrasingF1',
  'unexplainedRare',
  'rareExplained',
  'alignQuestion',
  'alignAnswer',
  'known',
  'shortQuery',
  'marginThird',
  'unexplainedRareChoices',
  'rareExplainedChoices',
  'wordsExplained',
  'unexplainedFaq',
  'queryCoverage',
  'trigramCosine',
  'secondFullCoverage',
  'words',
] as const;

/** A ranked candidate as the decision sees it. */
interface RankedCandidate {
  score: number;
  features: readonly number[];
  /** Weight (within this FAQ) of the heaviest question term the entry does not explain. */
  unexplained: number;
}

/** How well one candidate explains each question word: lexically or through word vectors, in [0, 1]. */
export type WordExplanations = readonly number[];

/**
 * Features of the decision to answer or ask back (order of DECISION_FEATURES), all relative to this
 * FAQ: the score and the margins to the runners-up, how much of the question the best entry (and
 * the best three together, which an ask-back offers) explains (its phrasings, its answer, word
 * vectors), and the rarest question word left unexplained, rarity taken from general English (a
 * customer's story words are common; what the FAQ lacks is not).
 */
export function decisionFeaturesOf(input: {
  /** The best candidates, best first (up to three are used). */
  ranked: readonly RankedCandidate[];
  query: PreparedQuery;
  /** Share of the question's weight the FAQ knows at all. */
  known: number;
  /** For each of `ranked`, how well it explains each question word (query.words order). */
  explanations: readonly WordExplanations[];
}): number[] {
  const { ranked, query, explanations } = input;
  const best = ranked[0];
  if (!best) return DECISION_FEATURES.map(() => 0);
  const bestExplained = explanations[0] ?? [];
  const choices = explanations.slice(0, 3);
  const single = rareEvidence(query.words, (i) => bestExplained[i] ?? 0);
  const union = rareEvidence(query.words, (i) =>
    Math.max(0, ...choices.map((explained) => explained[i] ?? 0)),
  );
  const at = (candidate: RankedCandidate | undefined, name: (typeof RANKER_FEATURES)[number]) =>
    candidate?.features[RANKER_FEATURES.indexOf(name)] ?? 0;
  const explainedWords = bestExplained.filter((value) => value >= 0.5).length;
  return [
    best.score,
    best.score - (ranked[1]?.score ?? 0),
    at(best, 'fullCoverage'),
    at(best, 'answerCoverage'),
    at(best, 'phrasingF1'),
    single.worst,
    single.explained,
    at(best, 'alignQuestion'),
    at(best, 'alignAnswer'),
    input.known,
    query.terms.length <= 2 ? 1 : 0,
    best.score - (ranked[2]?.score ?? 0),
    union.worst,
    union.explained,
    query.words.length > 0 ? explainedWords / query.words.length : 0,
    best.unexplained,
    at(best, 'queryCoverage'),
    at(best, 'trigramCosine'),
    at(ranked[1], 'fullCoverage'),
    Math.log1p(query.words.length),
  ];
}

/** The rarest unexplained word's rarity, and the rarity-weighted share of the words explained. */
function rareEvidence(words: readonly string[], explained: (i: number) => number) {
  let worst = 0;
  let mass = 0;
  let covered = 0;
  words.forEach((word, i) => {
    const weight = rarity(word);
    const value = explained(i);
    worst = Math.max(worst, weight * (1 - value));
    mass += weight;
    covered += weight * value;
  });
  return { worst, explained: mass > 0 ? covered / mass : 0 };
}

/** How well an entry explains each question word: lexically (with relations) or by word vectors. */
export function wordExplanations(
  query: PreparedQuery,
  entry: IndexedEntry | undefined,
  semantic: SemanticEntry | null | undefined,
  answer: SemanticText | null | undefined,
): number[] {
  const termOfStem = new Map(query.terms.map((term) => [term.term, term]));
  const vectors = vectorExplanations(query.words, semantic, answer);
  return query.words.map((_, i) =>
    Math.max(entry ? lexicalStrength(entry, termOfStem.get(query.stems[i] ?? '')) : 0, vectors[i] ?? 0),
  );
}
