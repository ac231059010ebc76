/**
 * The FAQ matcher's settings. The weights are fitted offline on development sets only: the ranker
 * and the legacy confidence model by bench/faq-fit.ts (CLINC150 small and full dev, the shared hair
 * salon and pet shop), the decision models by bench/faq-fit-decision.ts (those two shops and the
 * five of bench/data/faq-smb-heldout, which were held out in the first round), never on the held-out
 * shops of bench/data/faq-smb-heldout2. The features they weigh are relative to each FAQ (coverage
 * weighted by how distinctive words are within it, margins between candidates, its size).
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
  /** Correct question words that are neither in the FAQ nor English (matcher-spelling.ts). */
  correctSpelling: boolean;
  /** Weight of question words (how, when, ...) and numbers relative to other words. */
  lowInformationWeight: number;
  rankerWeights: readonly number[];
  /** Abstain model: weights then bias; answers when sigmoid ≥ minConfidence. */
  abstainWeights: readonly number[];
  minConfidence: number;
  /**
   * Small-business decision models over DECISION_FEATURES (weights then bias): the best entry is
   * right (answer), and the right entry is among the ask-back choices (ask back).
   */
  answerWeights: readonly number[];
  choiceWeights: readonly number[];
}

export const DEFAULT_MATCHER_SETTINGS: MatcherSettings = {
  maxQueryChars: 1000,
  maxQueryTokens: 32,
  rerankPool: 10,
  retrievalTerms: 6,
  retrievalPostings: 400,
  reportedCandidates: 3,
  correctSpelling: true,
  lowInformationWeight: 0.3,
  rankerWeights: [
    -0.3509, -0.0823, 0.5223, 0.1213, 0.0922, 0.0059, 0.9176, 0.1513, -0.5176, 0.0851, 0.7515, 0.0516, 0.3862,
    1.2881, 0.6128, 0.1193, 0.6277, 1.3089,
  ],
  abstainWeights: [
    0.774, 1.0308, -0.771, -3.2604, -0.7165, 2.669, 0.8333, 0.6202, 0.1029, 1.5502, 0.5089, -1.2923, -0.0752,
    -0.172, 0.4494, -0.9956, 3.7923, -0.8533, 0.8009, 0.6598, 1.1139, 1.0834, -0.4951, 1.0639, -0.2308,
    -4.5147, -5.2832,
  ],
  minConfidence: 0.28,
  answerWeights: [
    0.3389, 0.4362, 1.3407, 0.1935, 2.1819, 0.235, 1.7649, -1.5673, 0.6203, 0.0957, 0.1382, 0.4115, 0.6759,
    1.6992, 0.2178, -0.2811, 0.3459, 0.769, -1.4189, 0.8276, -6.5487,
  ],
  choiceWeights: [
    0.3369, 0.1536, 0.9419, 0.3695, 1.6706, 0.519, 1.1991, -0.7063, 0.843, 0.3156, -0.1529, 0.2581, 0.4768,
    2.6805, 0.2137, -0.7303, 0.2977, 0.7201, -0.1892, 1.0302, -6.3501,
  ],
};
