import type { SupportDecision } from '../src/features/support/decide.ts';

/** The three-outcome figures of bench:faq over a list of decisions. */
export interface Tally {
  /** In-scope messages answered with the right entry, or offered it among the choices. */
  resolvedInScope: number;
  /** Wrong answers (another entry, or any answer to an out-of-scope message) over all messages. */
  wrongRate: number;
  /** Out-of-scope messages handed over or given a friendly non-FAQ reply. */
  oosHandled: number;
  askBackRate: number;
  answerRate: number;
}

const round = (value: number) => Number(value.toFixed(4));

export function scoreDecisions(
  decisions: readonly { expected: string | null; decision: SupportDecision }[],
): Tally {
  let inScope = 0;
  let resolved = 0;
  let wrong = 0;
  let outOfScope = 0;
  let handled = 0;
  let asked = 0;
  let answered = 0;
  for (const { expected, decision } of decisions) {
    if (decision.outcome === 'ask') asked++;
    if (decision.outcome === 'answer') answered++;
    if (expected === null) {
      outOfScope++;
      if (decision.outcome === 'handoff' || decision.outcome === 'reply') handled++;
      if (decision.outcome === 'answer') wrong++;
      continue;
    }
    inScope++;
    if (decision.outcome === 'answer') {
      if (decision.entryId === expected) resolved++;
      else wrong++;
    } else if (decision.outcome === 'ask' && decision.choices.includes(expected)) {
      resolved++;
    }
  }
  const all = Math.max(1, decisions.length);
  return {
    resolvedInScope: round(resolved / Math.max(1, inScope)),
    wrongRate: round(wrong / all),
    oosHandled: round(handled / Math.max(1, outOfScope)),
    askBackRate: round(asked / all),
    answerRate: round(answered / all),
  };
}
