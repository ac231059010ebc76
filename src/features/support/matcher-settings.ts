/**
 * The FAQ matcher's settings. The weights are fitted offline by bench/faq-fit.ts on the development
 * sets only (CLINC150 small and full dev, shared/bench/faq-smb hair salon and pet shop), never on the
 * held-out shops in bench/data/faq-smb-heldout; the features they weigh are relative to each FAQ
 * (coverage weighted by how distinctive words are within it, margins between candidates, its size).
 */

export interface MatcherSettings {
  maxQueryChars: number;
  maxQueryTokens: number;
  /** Entries from the BM25 pass that are re-ranked. */
  rerankPool: number;
  /** Most informative question terms (after expansion) sent to the BM25 pass. */
  retrievalTerms: number;
  /** Budget of entries (summed over the sent terms) the BM25 pass may touch: caps the cost on large FAQs. */
  retrievalPostings: number;
  reportedCandidates: number;
  /** Weight of question words (how, when, ...) and numbers relative to other words. */
  lowInformationWeight: number;
  rankerWeights: readonly number[];
  /** Abstain model: weights then bias; answers when sigmoid ≥ minConfidence. */
  abstainWeights: readonly number[];
  minConfidence: number;
  /** In-scope model over the same features: the right entry is among the reported candidates. */
  inScopeWeights: readonly number[];
}

export const DEFAULT_MATCHER_SETTINGS: MatcherSettings = {
  maxQueryChars: 1000,
  maxQueryTokens: 32,
  rerankPool: 10,
  retrievalTerms: 6,
  retrievalPostings: 400,
  reportedCandidates: 3,
  lowInformationWeight: 0.3,
  rankerWeights: [
    -0.419, -0.04, 0.416, 0.18, 0.066, 0.007, 0.842, 0.199, -0.486, 0.108, 0.589, -0.039, 0.449, 1.267, 0.971,
    0.212, 0.7, 1.559,
  ],
  abstainWeights: [
    0.73, 1.041, -1.262, -3.188, -0.801, 2.481, 1.006, 0.655, 0.752, 1.958, 0.918, -1.179, -0.29, 0.041,
    -0.294, -1.12, 4.046, -1.345, 1.339, 0.693, 0.663, 1.02, -0.178, 0.807, -0.277, -4.97, -6.15,
  ],
  minConfidence: 0.32,
  inScopeWeights: [
    0.859, 0.189, 0.121, -3.907, -0.276, 2.73, 0.742, 0.836, 0.803, 2.143, 0.667, -1.944, 0.053, 0.146,
    -0.068, -1.474, 4.101, -0.542, 0.964, 0.072, 0.934, 1.162, 0.277, 1.548, -0.125, -4.668, -6.169,
  ],
};
