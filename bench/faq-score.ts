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

/** Area under the ROC curve of scores for positives against negatives (ties count half); NaN if either is empty. */
export function rocAuc(positives: readonly number[], negatives: readonly number[]): number {
  if (positives.length === 0 || negatives.length === 0) return Number.NaN;
  const scored = [
    ...positives.map((score) => ({ score, positive: true })),
    ...negatives.map((score) => ({ score, positive: false })),
  ].sort((a, b) => a.score - b.score);
  let rankSum = 0;
  for (let i = 0; i < scored.length; ) {
    let j = i;
    while (j < scored.length && scored[j]?.score === scored[i]?.score) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (scored[k]?.positive) rankSum += averageRank;
    i = j;
  }
  const n = positives.length;
  return (rankSum - (n * (n + 1)) / 2) / (n * negatives.length);
}
