import type { Button, OutboundContent } from '../../core/outbound.ts';
import type { FaqRecord } from './faq-store.ts';
import type { HandoffRecord } from './handoffs.ts';

/** Button action ids of the support feature. */
export const ACTIONS = {
  helpful: 'support:helpful',
  notHelpful: 'support:not-helpful',
  resolve: 'support:resolve',
  saveAnswer: 'support:save-answer',
  savePhrasing: 'support:save-phrasing',
} as const;

export const HANDED_OFF_TEXT =
  "Good question - I'm not sure I know the answer, so I've passed it to the team. A person will reply here soon.";
export const FOLLOW_UP_TEXT = "Thanks - I've added that to your question. The team will reply here.";
export const EMPTY_QUESTION_TEXT =
  "I didn't catch a question there. Tell me what you'd like to know, or send /help to see what I can do.";
export const THANKS_TEXT = 'Glad that helped! 😊';
export const NOT_HELPFUL_TEXT =
  "Sorry about that - I've passed your question to the team. A person will reply here soon.";

/** The FAQ answer, with 👍/👎 buttons where the platform has buttons. */
export function answerMessage(entry: FaqRecord, withButtons: boolean): OutboundContent {
  if (!withButtons) return { text: entry.answer };
  return {
    text: `${entry.answer}\n\nDid this help?`,
    buttons: [
      [
        { actionId: ACTIONS.helpful, label: '👍 Yes', value: entry.id },
        { actionId: ACTIONS.notHelpful, label: '👎 No', value: entry.id },
      ],
    ],
  };
}

/** Prefix for an owner's answer relayed to the customer. */
export function ownerAnswerText(answer: string): string {
  return `💬 ${answer}`;
}

function quote(text: string, max = 500): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return `“${oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine}”`;
}

/** The owners' thread root for a new handoff: who, where, what, what the bot matched, and buttons. */
export function handoffRootMessage(input: {
  handoff: HandoffRecord;
  customerName: string;
  matched: FaqRecord | undefined;
  reason: 'unsure' | 'not_helpful';
}): OutboundContent {
  const { handoff, customerName, matched, reason } = input;
  const confidence =
    handoff.confidence === null ? '' : ` (confidence ${Math.round(handoff.confidence * 100)}%)`;
  const lines = [
    `🙋 Question from ${customerName} on ${handoff.platform}:`,
    quote(handoff.question, 3000),
    reason === 'not_helpful'
      ? `The bot answered with the FAQ ${matched ? quote(matched.question, 200) : '(entry since removed)'} and they said it did not help.`
      : matched
        ? `Closest FAQ entry: ${quote(matched.question, 200)}${confidence} - not confident enough to answer.`
        : `No FAQ entry matched${confidence}.`,
    'Reply in this thread to answer them; your reply is sent to them.',
    `Handoff ${handoff.id.slice(0, 8)}`,
  ];
  const buttons: Button[][] = [
    [
      { actionId: ACTIONS.resolve, label: '✅ Resolve', value: handoff.id },
      { actionId: ACTIONS.saveAnswer, label: '📚 Save answer as FAQ', value: handoff.id },
    ],
  ];
  if (matched) {
    buttons.push([
      { actionId: ACTIONS.savePhrasing, label: '➕ Add question to the matched FAQ', value: handoff.id },
    ]);
  }
  return { text: lines.join('\n'), buttons };
}

/** One line per entry for `faq list`. */
export function faqListText(entries: readonly FaqRecord[]): string {
  if (entries.length === 0) return 'The FAQ is empty. Add an entry with /hearth faq add "question" "answer".';
  const lines = entries.map((entry) => {
    const phrasings = entry.alternatives.length > 0 ? ` (+${entry.alternatives.length} phrasings)` : '';
    return `• ${entry.id.slice(0, 8)} ${quote(entry.question, 80)}${phrasings} → ${quote(entry.answer, 80)}`;
  });
  return `FAQ (${entries.length}):\n${lines.join('\n')}`;
}
