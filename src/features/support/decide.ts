import type { ConversationKind, ConversationReader } from './conversation.ts';
import type { FaqMatch, FaqMatcher, MatchCandidate } from './matcher.ts';

/**
 * The support feature's three outcomes for a customer message: answer with an entry when the
 * matcher is confident; ask back ("Did you mean…") with up to three plausible entries when it is
 * unsure; otherwise hand over to a person (or reply kindly to small talk). Urgent messages always go
 * to a person, flagged; complaints too, unless the entry they match is itself about problems.
 */

export type HandoffReason = 'unsure' | 'urgent' | 'complaint';

export type SupportDecision =
  | { outcome: 'answer'; entryId: string; match: FaqMatch }
  | { outcome: 'ask'; choices: string[]; match: FaqMatch }
  | { outcome: 'handoff'; reason: HandoffReason; match: FaqMatch | null }
  | { outcome: 'reply'; kind: ConversationKind };

export interface DecisionSettings {
  /** Answer when the probability that the top entry is right (answerProbability) reaches this. */
  answerAt: number;
  /** Ask back when the probability that the right entry is among the candidates reaches this. */
  askAt: number;
  /**
   * Never answer when the runner-up's ranking score is this close to the best: two entries the
   * question fits about equally well are a question to ask back, however sure each looks.
   */
  answerMargin: number;
  /** Most entries offered when asking back. */
  maxChoices: number;
  /** Candidates whose ranking score is this far below the best are not offered. */
  choiceGap: number;
  /**
   * A message the whole of which reads unsure is asked back about its best clause ("do you do gift
   * cards? want one for my sister's bday") when that clause alone reaches askAt plus this margin:
   * customers wrap a question the FAQ covers in context it does not.
   */
  clauseMargin: number;
}

export const DEFAULT_DECISION_SETTINGS: DecisionSettings = {
  answerAt: 0.9,
  askAt: 0.56,
  answerMargin: 0.5,
  maxChoices: 3,
  choiceGap: 1.5,
  clauseMargin: 0.25,
};

/** Most clauses of one message matched on their own (each costs a match). */
const MAX_CLAUSES = 6;

/** What the bot should do with one message; never throws. */
export function decide(
  text: string,
  matcher: FaqMatcher,
  reader: ConversationReader,
  aboutProblems: (entryId: string) => boolean,
  settings: DecisionSettings = DEFAULT_DECISION_SETTINGS,
): SupportDecision {
  const reading = reader.read(text);
  if (reading.urgent) return { outcome: 'handoff', reason: 'urgent', match: matcher.match(reading.question) };
  if (reading.smallTalk) return { outcome: 'reply', kind: reading.smallTalk };
  const match = matcher.match(reading.question);
  const best = match.candidates[0];
  if (!best) return { outcome: 'handoff', reason: 'unsure', match };
  if (reading.complaint && !aboutProblems(best.id)) return { outcome: 'handoff', reason: 'complaint', match };
  // "Open on boxing day?" next to weekly hours: the FAQ does not say, a person must.
  const entryText = () => matcher.entryText(best.id);
  if (reading.askedDays.length > 0 && !reader.explainsDays(entryText(), reading.askedDays)) {
    return { outcome: 'handoff', reason: 'unsure', match };
  }
  if (reading.jobEnquiry && !reader.isAboutJobs(entryText()))
    return { outcome: 'handoff', reason: 'unsure', match };
  const runnerUp = match.candidates[1];
  const clearWinner = !runnerUp || best.score - runnerUp.score >= settings.answerMargin;
  if (clearWinner && match.answerProbability >= settings.answerAt) {
    return { outcome: 'answer', entryId: best.id, match };
  }
  if (plausibility(match) >= settings.askAt) {
    return { outcome: 'ask', choices: choicesOf(match.candidates, settings), match };
  }
  const clause = bestClause(reading.question, matcher);
  if (clause && plausibility(clause) >= settings.askAt + settings.clauseMargin) {
    return { outcome: 'ask', choices: choicesOf(clause.candidates, settings), match: clause };
  }
  return { outcome: 'handoff', reason: 'unsure', match };
}

/** How likely the right entry is among the choices: at least as likely as being the top one. */
const plausibility = (match: FaqMatch) => Math.max(match.inScope, match.answerProbability);

/**
 * A message's clauses (split at sentence ends, semicolons, dashes and commas) of two words or more;
 * empty when there are fewer than two.
 */
export function clausesOf(text: string): string[] {
  const clauses = text
    .split(/[?.!;]+|\s[-–—]+\s|,\s/)
    .map((clause) => clause.trim())
    .filter((clause) => clause.split(/\s+/).length >= 2);
  return clauses.length >= 2 ? clauses.slice(0, MAX_CLAUSES) : [];
}

/** The match of the message's most plausible clause, or null for a message of one clause. */
function bestClause(text: string, matcher: FaqMatcher): FaqMatch | null {
  let best: FaqMatch | null = null;
  for (const clause of clausesOf(text)) {
    const match = matcher.match(clause);
    if (!best || plausibility(match) > plausibility(best)) best = match;
  }
  return best;
}

/** The candidates worth offering: best first, close enough to the best, at most maxChoices. */
export function choicesOf(candidates: readonly MatchCandidate[], settings: DecisionSettings): string[] {
  const top = candidates[0]?.score ?? 0;
  return candidates
    .filter((candidate) => candidate.score >= top - settings.choiceGap)
    .slice(0, settings.maxChoices)
    .map((candidate) => candidate.id);
}
