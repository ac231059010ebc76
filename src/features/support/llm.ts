import type { Logger } from '../../core/log.ts';
import type { SupportDecision } from './decide.ts';
import type { FaqRecord } from './faq-store.ts';

/**
 * Optional stronger matching by an LLM behind an OpenAI-compatible `/chat/completions` endpoint (a
 * hosted model or a local Ollama; off unless SUPPORT_LLM_URL is set). It sees only the question and
 * the few entries the built-in matcher found, and names the one entry that answers it, or says NONE.
 * The outcomes stay the same three: its pick is answered; NONE turns an answer into an ask-back and
 * leaves an ask-back or handoff as it was. The customer always gets the owners' own answer text, and
 * any failure or timeout keeps the built-in decision.
 */

export interface LlmSettings {
  /** Base URL, e.g. https://api.openai.com/v1 (the path /chat/completions is appended). */
  url: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
  businessName: string;
}

export type LlmChoice = { kind: 'entry'; id: string } | { kind: 'none' } | { kind: 'error' };

const NONE = 'NONE';

function systemPrompt(businessName: string): string {
  return [
    `You route customers' messages for ${businessName} to its FAQ.`,
    'You get a customer message and numbered FAQ entries.',
    'Reply with only the number of the one entry whose answer answers the message.',
    `If none of them does, or the message is not a question about them, reply with exactly ${NONE}.`,
  ].join(' ');
}

function userPrompt(question: string, entries: readonly FaqRecord[]): string {
  const faq = entries.map((entry, i) => `${i + 1}. Q: ${entry.question}\n   A: ${entry.answer}`).join('\n');
  return `FAQ entries:\n${faq}\n\nCustomer message: ${question}`;
}

/** The first choice's message content of a chat-completions response, if well formed. */
function contentOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return undefined;
  const message = (choices[0] as { message?: { content?: unknown } } | undefined)?.message;
  return typeof message?.content === 'string' ? message.content : undefined;
}

export class AnswerChooser {
  constructor(
    private readonly settings: LlmSettings,
    private readonly log: Logger,
  ) {}

  /** Which of `entries` answers `question`: an entry, none, or an error (timeout, bad reply). */
  async choose(question: string, entries: readonly FaqRecord[]): Promise<LlmChoice> {
    if (entries.length === 0) return { kind: 'none' };
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
        this.log.warn({ status: response.status }, 'LLM choice failed; using the built-in matcher');
        return { kind: 'error' };
      }
      const text = contentOf(await response.json())?.trim() ?? '';
      if (text.toUpperCase().startsWith(NONE)) return { kind: 'none' };
      const number = Number(/^\D*(\d+)/.exec(text)?.[1]);
      const entry = entries[number - 1];
      if (!entry) {
        this.log.warn({ reply: text.slice(0, 80) }, 'LLM choice unreadable; using the built-in matcher');
        return { kind: 'error' };
      }
      return { kind: 'entry', id: entry.id };
    } catch (error) {
      this.log.warn({ err: error }, 'LLM choice unreachable or too slow; using the built-in matcher');
      return { kind: 'error' };
    }
  }

  /**
   * The built-in decision, refined by the LLM's choice among its candidates. Small talk, urgent
   * messages and complaints are never sent to the LLM.
   */
  async refine(
    question: string,
    decision: SupportDecision,
    entryOf: (id: string) => FaqRecord | undefined,
  ): Promise<SupportDecision> {
    if (decision.outcome === 'reply') return decision;
    if (decision.outcome === 'handoff' && decision.reason !== 'unsure') return decision;
    const match = decision.match;
    if (!match || match.candidates.length === 0) return decision;
    const entries = match.candidates.flatMap((candidate) => entryOf(candidate.id) ?? []);
    const choice = await this.choose(question, entries);
    if (choice.kind === 'entry') return { outcome: 'answer', entryId: choice.id, match };
    if (choice.kind === 'none' && decision.outcome === 'answer') {
      return { outcome: 'ask', choices: entries.map((entry) => entry.id), match };
    }
    return decision;
  }
}
