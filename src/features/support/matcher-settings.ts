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
    -0.3509, -0.0823, 0.5223, 0.1213, 0.0922, 0.0059, 0.9176, 0.1513, -0.5176, 0.0851, 0.7515, 0.0516, 0.3862,
    1.2881, 0.6128, 0.1193, 0.6277, 1.3089,
  ],
  abstainWeights: [
    0.774, 1.0308, -0.771, -3.2604, -0.7165, 2.669, 0.8333, 0.6202, 0.1029, 1.5502, 0.5089, -1.2923, -0.0752,
    -0.172, 0.4494, -0.9956, 3.7923, -0.8533, 0.8009, 0.6598, 1.1139, 1.0834, -0.4951, 1.0639, -0.2308,
    -4.5147, -5.2832,
  ],
  minConfidence: 0.28,
  inScopeWeights: [
    0.8877, 0.1006, 0.2307, -3.7909, -0.3598, 2.8233, 0.5716, 0.8096, 0.6258, 1.8845, 0.3387, -1.9349, 0.1525,
    0.031, 0.1186, -1.2828, 3.9242, -0.4316, 0.985, 0.0909, 1.4119, 1.2758, -0.0952, 1.8894, -0.1052, -4.4122,
    -5.3722,
  ],
};
