import type { Button, OutboundContent } from '../../core/outbound.ts';
import type { ConversationKind } from './conversation.ts';
import type { FaqRecord, OwnerWords } from './faq-store.ts';
import type { HandoffRecord, PhrasingCandidate } from './records.ts';

/** Button action ids of the support feature. */
export const ACTIONS = {
  helpful: 'support:helpful',
  notHelpful: 'support:not-helpful',
  resolve: 'support:resolve',
  saveAnswer: 'support:save-answer',
  savePhrasing: 'support:save-phrasing',
  /** A customer's pick when asked back; value `<ask-back id>:<choice index>` or `<id>:none`. */
  pick: 'support:pick',
  /** An owner links a handoff's question to an entry; value `<handoff id>:<faq id>`. */
  link: 'support:link',
  addPhrasing: 'support:phrasing-add',
  dismissPhrasing: 'support:phrasing-dismiss',
} as const;

/** The value of the "Something else" choice. */
export const NONE_CHOICE = 'none';

export const URGENT_TEXT =
  "I've flagged this as urgent for the team and a person will reply here as soon as possible. If anyone is in danger, please call your local emergency number.";
export const COMPLAINT_TEXT =
  "I'm sorry to hear that. I've passed your message to the team and a person will reply here soon.";
export const PICKED_NONE_TEXT =
  "No problem - I've passed your question to the team. A person will reply here soon.";
export const ASK_BACK_EXPIRED_TEXT = 'That question has already been answered. Ask me again any time!';

/** Friendly replies to small talk: never an FAQ entry. */
export const SMALL_TALK_TEXT: Record<ConversationKind, string> = {
  thanks: "You're welcome! 😊",
  praise: 'Thank you, that is kind of you! 😊',
  greeting: 'Hi! 👋 What can I help you with?',
  goodbye: 'Bye for now! 👋',
  acknowledgement: '👍 Anything else, just ask.',
};

export const HANDED_OFF_TEXT =
  "Good question - I'm not sure I know the answer, so I've passed it to the team. A person will reply here soon.";
export const FOLLOW_UP_TEXT = "Thanks - I've added that to your question. The team will reply here.";
/** An owner's message in a thread that is no (or no longer a unique) handoff's thread. */
export const NO_HANDOFF_IN_THREAD_TEXT =
  'This thread belongs to no open question, so your message was not sent to any customer. Reply in the thread of the question you mean.';
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

function clipLabel(text: string, max = 60): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/**
 * "Did you mean…" with the offered entries and "Something else → ask a person": buttons where the
 * platform has them, numbered lines to reply with otherwise.
 */
export function askBackMessage(
  askId: string,
  choices: readonly FaqRecord[],
  withButtons: boolean,
): OutboundContent {
  if (withButtons) {
    return {
      text: 'Did you mean…',
      buttons: [
        ...choices.map((entry, i) => [
          { actionId: ACTIONS.pick, label: clipLabel(entry.question), value: `${askId}:${i}` },
        ]),
        [
          {
            actionId: ACTIONS.pick,
            label: 'Something else → ask a person',
            value: `${askId}:${NONE_CHOICE}`,
          },
        ],
      ],
    };
  }
  const lines = choices.map((entry, i) => `${i + 1}. ${clipLabel(entry.question, 120)}`);
  lines.push(`${choices.length + 1}. Something else - ask a person`);
  return { text: `Did you mean…\n${lines.join('\n')}\nReply with the number.` };
}

/** The owners' note about a wording customers confirmed, with Add/Dismiss buttons. */
export function phrasingSuggestionMessage(
  candidate: PhrasingCandidate,
  entry: FaqRecord,
  autoAfter: number,
): OutboundContent {
  const how = candidate.source === 'pick' ? 'A customer picked' : 'A question was linked to';
  const auto = autoAfter > 0 ? ` (added by itself after ${autoAfter} confirmations)` : '';
  return {
    text: `📝 ${how} the FAQ ${quote(entry.question, 200)} for ${quote(candidate.text, 300)}. Add it as a phrasing of that entry${auto}?`,
    buttons: [
      [
        { actionId: ACTIONS.addPhrasing, label: '➕ Add phrasing', value: candidate.id },
        { actionId: ACTIONS.dismissPhrasing, label: '✖ Dismiss', value: candidate.id },
      ],
    ],
  };
}

/** `faq pending`: the wordings waiting for a click, each with its buttons. */
export function pendingPhrasingsMessage(
  waiting: readonly PhrasingCandidate[],
  entryOf: (id: string) => FaqRecord | undefined,
): OutboundContent {
  if (waiting.length === 0) return { text: 'No customer wordings are waiting for a click.' };
  const lines = waiting.map(
    (c, i) =>
      `${i + 1}. ${quote(c.text, 200)} → ${quote(entryOf(c.faqId)?.question ?? '(entry removed)', 120)} (${c.confirmations}×)`,
  );
  return {
    text: `Customer wordings waiting for a click (${waiting.length}):\n${lines.join('\n')}`,
    buttons: waiting.slice(0, 10).map((c, i) => [
      { actionId: ACTIONS.addPhrasing, label: `➕ Add ${i + 1}`, value: c.id },
      { actionId: ACTIONS.dismissPhrasing, label: `✖ Dismiss ${i + 1}`, value: c.id },
    ]),
  };
}

/** `faq words`: the built-in lists in numbers, and the owners' groups and urgent phrases with ids. */
export function wordsListText(
  builtIn: { groups: number; rewrites: number; phrases: number },
  words: readonly OwnerWords[],
): string {
  const lines = [
    `Built-in general English: ${builtIn.groups} word groups, ${builtIn.rewrites} casual and British spellings, ${builtIn.phrases} phrases (src/features/support/data/english-words.json).`,
  ];
  const groups = words.filter((w) => w.kind === 'group');
  const urgent = words.filter((w) => w.kind === 'urgent');
  lines.push(
    groups.length > 0 ? 'Your word groups (read as the first word):' : 'Your word groups: none yet.',
  );
  for (const group of groups) lines.push(`• ${group.id.slice(0, 8)} ${group.words.join(', ')}`);
  lines.push(urgent.length > 0 ? 'Your urgent phrases:' : 'Your urgent phrases: none yet.');
  for (const phrase of urgent) lines.push(`• ${phrase.id.slice(0, 8)} ${phrase.words.join(', ')}`);
  lines.push(
    'Add a group: /hearth faq words add fringe, bangs · an urgent phrase: /hearth faq words urgent gas leak · remove: /hearth faq words remove <id>',
  );
  return lines.join('\n');
}

/** Prefix for an owner's answer relayed to the customer. */
export function ownerAnswerText(answer: string): string {
  return `💬 ${answer}`;
}

function quote(text: string, max = 500): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return `“${oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine}”`;
}

/** Why the bot handed a question over. */
export type HandoffReasonKind = 'unsure' | 'not_helpful' | 'urgent' | 'complaint' | 'picked_none';

function reasonLine(reason: HandoffReasonKind, matched: FaqRecord | undefined, confidence: string): string {
  switch (reason) {
    case 'not_helpful':
      return `The bot answered with the FAQ ${matched ? quote(matched.question, 200) : '(entry since removed)'} and they said it did not help.`;
    case 'urgent':
      return 'The message reads as urgent, so the bot did not try to answer it.';
    case 'complaint':
      return 'The message reads as a complaint, so the bot did not answer it from the FAQ.';
    case 'picked_none':
      return 'The bot asked "Did you mean…" and they chose "Something else".';
    default:
      return matched
        ? `Closest FAQ entry: ${quote(matched.question, 200)}${confidence} - not confident enough to answer.`
        : `No FAQ entry matched${confidence}.`;
  }
}

/**
 * The owners' thread root for a new handoff: who, where, what, why, and buttons (resolve, save the
 * owners' answer as an entry, link the question to one of the entries the bot considered).
 */
export function handoffRootMessage(input: {
  handoff: HandoffRecord;
  customerName: string;
  matched: FaqRecord | undefined;
  candidates: readonly FaqRecord[];
  reason: HandoffReasonKind;
}): OutboundContent {
  const { handoff, customerName, matched, candidates, reason } = input;
  const confidence =
    handoff.confidence === null ? '' : ` (confidence ${Math.round(handoff.confidence * 100)}%)`;
  const lines = [
    `${handoff.urgent ? '🚨 URGENT - ' : '🙋 '}Question from ${customerName} on ${handoff.platform}:`,
    quote(handoff.question, 3000),
    reasonLine(reason, matched, confidence),
    'Reply in this thread to answer them; your reply is sent to them.',
    `Handoff ${handoff.id.slice(0, 8)}`,
  ];
  const buttons: Button[][] = [
    [
      { actionId: ACTIONS.resolve, label: '✅ Resolve', value: handoff.id },
      { actionId: ACTIONS.saveAnswer, label: '📚 Save answer as FAQ', value: handoff.id },
    ],
  ];
  for (const entry of candidates.slice(0, 3)) {
    buttons.push([
      {
        actionId: ACTIONS.link,
        label: `➕ It asks: ${clipLabel(entry.question, 50)}`,
        value: `${handoff.id}:${entry.id}`,
      },
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
