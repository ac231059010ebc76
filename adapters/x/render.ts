import type { OutboundMessage } from '../../src/core/outbound.ts';

/**
 * The plain text of one DM. X shows DMs as plain text (nothing to escape); it has no buttons or
 * native polls: the core sends polls as numbered text and keeps buttons off; a native poll that
 * still arrives is written out as numbered lines rather than lost.
 */
export function dmText(message: OutboundMessage): string {
  const text = message.text ?? '';
  if (message.poll) {
    const { question, options } = message.poll;
    const lines = options.map((option, i) => `${i + 1}. ${option}`).join('\n');
    const head = text.trim() && text.trim() !== question.trim() ? `${text}\n\n${question}` : question;
    return `${head}\n${lines}\nReply with the number of your choice.`;
  }
  return text;
}
