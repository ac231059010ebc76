/**
 * The FAQ matcher's settings. The weights are fitted offline on development sets only: the ranker
 * and the legacy confidence model by bench/faq-fit.ts (CLINC150 small and full dev, the shared hair
 * salon and pet shop), the decision models by bench/faq-fit-decision.ts (those two shops and the
 * five of bench/data/faq-smb-heldout, which were held out in the first round, and since 2026-12-04
 * the three of bench/data/faq-smb-heldout2, held out in the second), never on the held-out shops of
 * bench/data/faq-smb-heldout3. The features they weigh are relative to each FAQ (coverage
 * weighted by how distinctive words are within it, margins between candidates, its size).
 */

export interface MatcherSettings {
  maxQueryChars: number;
  maxQueryTokens: number;
  /** Entries from the BM25 pass that are re-ranked. */
  rerankPool: number;
  /**
   * FAQs of up to this many entries are re-ranked whole: every entry is a candidate, so one that
   * shares no word with the question ("pet friendly?" for "Are dogs allowed?") can still be found
   * through the word vectors. Larger FAQs re-rank the BM25 pass's pool only (cost stays flat: p99
   * 2.8 ms at 30 entries re-ranked whole, 7 ms at 64).
   */
  rerankWholeUpTo: number;
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
  rerankWholeUpTo: 32,
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
    0.1506, 0.5413, 1.0004, -0.1936, 1.8951, 0.0293, 1.4979, -1.325, 0.6375, 0.0373, 0.1324, 0.7496, 0.3658,
    1.1226, 0.611, -0.1966, 0.5894, 0.0746, -1.1225, 0.6997, -5.2361,
  ],
  choiceWeights: [
    0.1723, 0.0815, 0.8002, -0.0003, 1.5469, 0.3846, 0.8779, -0.2575, 0.9198, 0.139, -0.1224, 0.5227, 0.0948,
    1.8479, 0.5719, -0.8207, 0.3166, 0.1113, -0.1888, 0.9348, -4.7102,
  ],
};
