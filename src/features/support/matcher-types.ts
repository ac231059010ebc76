/** The support matcher's public shapes. */

export interface FaqDocument {
  id: string;
  question: string;
  alternatives: readonly string[];
  /** The entry's answer: indexed too, since customers ask about details only the answer names. */
  answer?: string;
}

export interface MatchCandidate {
  id: string;
  /** Ranking score (higher is better). */
  score: number;
}

export interface FaqMatch {
  /** The matched entry, or null when the matcher abstained. */
  entryId: string | null;
  /** Probability in [0, 1] that the best candidate is the right answer. */
  confidence: number;
  /** Probability in [0, 1] that the best candidate is right, from the small-business decision model. */
  answerProbability: number;
  /** Probability in [0, 1] that the right answer is among the choices an ask-back offers. */
  inScope: number;
  abstained: boolean;
  /** Best candidates first, for the owners' view of what the bot considered. */
  candidates: MatchCandidate[];
}

/** A candidate with its features, for the ranker and for offline fitting. */
export interface ExplainedCandidate {
  id: string;
  features: number[];
  /** Weight of the heaviest question term this entry does not explain (an abstain feature). */
  unexplained: number;
  score: number;
}

export interface MatchExplanation {
  candidates: ExplainedCandidate[];
  /** Features of the question alone. */
  queryFeatures: number[];
  abstainFeatures: number[];
  /** Features of the answer / ask-back decision (DECISION_FEATURES). */
  decisionFeatures?: number[];
  match: FaqMatch;
}
