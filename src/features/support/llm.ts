import type { Logger } from '../../core/log.ts';
import type { FaqRecord } from './faq-store.ts';

/**
 * Optional answer phrasing by an LLM behind an OpenAI-compatible `/chat/completions` endpoint (off
 * unless SUPPORT_LLM_URL is set). It only ever sees the FAQ entries the matcher chose and must answer
 * from them alone, or say ABSTAIN; any failure falls back to the FAQ's own answer. The built-in
 * matcher decides whether to answer at all.
 */

export interface LlmSettings {
  /** Base URL, e.g. https://api.openai.com/v1 (the path /chat/completions is appended). */
  url: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
  businessName: string;
}

export type PhrasedAnswer = { kind: 'answer'; text: string } | { kind: 'abstain' } | { kind: 'error' };

const ABSTAIN = 'ABSTAIN';
const MAX_ANSWER_CHARS = 2000;

function systemPrompt(businessName: string): string {
  return [
    `You answer customers' questions for ${businessName}.`,
    'Use ONLY the FAQ entries given; never add facts that are not in them.',
    `If they do not answer the question, reply with exactly ${ABSTAIN}.`,
    'Answer briefly and kindly, in the language of the question.',
  ].join(' ');
}

function userPrompt(question: string, entries: readonly FaqRecord[]): string {
  const faq = entries.map((entry, i) => `${i + 1}. Q: ${entry.question}\n   A: ${entry.answer}`).join('\n');
  return `FAQ entries:\n${faq}\n\nCustomer question: ${question}`;
}

/** The first choice's message content of a chat-completions response, if well formed. */
function contentOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return undefined;
  const message = (choices[0] as { message?: { content?: unknown } } | undefined)?.message;
  return typeof message?.content === 'string' ? message.content : undefined;
}

export class AnswerPhraser {
  constructor(
    private readonly settings: LlmSettings,
    private readonly log: Logger,
  ) {}

  async phrase(question: string, entries: readonly FaqRecord[]): Promise<PhrasedAnswer> {
    const endpoint = `${this.settings.url.replace(/\/+$/, '')}/chat/completions`;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.settings.model,
          temperature: 0,
          messages: [
            { role: 'system', content: systemPrompt(this.settings.businessName) },
            { role: 'user', content: userPrompt(question, entries) },
          ],
        }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      if (!response.ok) {
        this.log.warn({ status: response.status }, 'LLM phrasing failed; using the FAQ answer');
        return { kind: 'error' };
      }
      const text = contentOf(await response.json())?.trim();
      if (!text) {
        this.log.warn('LLM phrasing returned no text; using the FAQ answer');
        return { kind: 'error' };
      }
      if (text.toUpperCase().startsWith(ABSTAIN)) return { kind: 'abstain' };
      return { kind: 'answer', text: text.slice(0, MAX_ANSWER_CHARS) };
    } catch (error) {
      this.log.warn({ err: error }, 'LLM phrasing unreachable; using the FAQ answer');
      return { kind: 'error' };
    }
  }
}
