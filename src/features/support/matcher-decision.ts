import type { PreparedQuery } from './matcher-features.ts';
import { type QueryTerm, RANK_FEATURES } from './matcher-features.ts';
import { rarity } from './matcher-semantic.ts';

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
] as const;

/** A ranked candidate as the decision sees it. */
interface RankedCandidate {
  score: number;
  features: readonly number[];
}

/**
 * Features of the decision to answer or ask back (order of DECISION_FEATURES), all relative to this
 * FAQ: the score and the margin to the runner-up, how much of the question the best entry explains
 * (its phrasings, its answer, word vectors), and the rarest question word it leaves unexplained,
 * rarity taken from general English (a customer's story words are common; what the FAQ lacks is not).
 */
export function decisionFeaturesOf(input: {
  best: RankedCandidate;
  second: RankedCandidate | undefined;
  query: PreparedQuery;
  /** Share of the question's weight the FAQ knows at all. */
  known: number;
  /** Lexical strength with which the best entry matches a question term. */
  lexical: (term: QueryTerm | undefined) => number;
  /** For each question word, its best word-vector similarity to the best entry. */
  vectorSims: readonly number[];
}): number[] {
  const { best, second, query } = input;
  const termOfStem = new Map(query.terms.map((term) => [term.term, term]));
  let worst = 0;
  let rareMass = 0;
  let rareExplained = 0;
  query.words.forEach((word, i) => {
    const explained = Math.max(input.lexical(termOfStem.get(query.stems[i] ?? '')), input.vectorSims[i] ?? 0);
    const weight = rarity(word);
    worst = Math.max(worst, weight * (1 - explained));
    rareMass += weight;
    rareExplained += weight * explained;
  });
  const at = (name: (typeof RANKER_FEATURES)[number]) => best.features[RANKER_FEATURES.indexOf(name)] ?? 0;
  return [
    best.score,
    best.score - (second?.score ?? 0),
    at('fullCoverage'),
    at('answerCoverage'),
    at('phrasingF1'),
    worst,
    rareMass > 0 ? rareExplained / rareMass : 0,
    at('alignQuestion'),
    at('alignAnswer'),
    input.known,
    query.terms.length <= 2 ? 1 : 0,
  ];
}
