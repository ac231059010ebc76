import { createHash } from 'node:crypto';
import type { InlineKeyboardButton } from 'telegraf/types';
import type { Button, PollContent } from '../../src/core/outbound.ts';

/** Telegram's limits (Bot API): message text, callback_data bytes, poll question, option text. */
export const TELEGRAM_LIMITS = {
  text: 4096,
  caption: 1024,
  callbackDataBytes: 64,
  pollQuestion: 300,
  pollOption: 100,
  pollOptionsMax: 10,
} as const;

/**
 * Button payloads in callback_data (at most 64 bytes). A short `actionId|value` travels as is; a
 * longer one travels as `#<hash>` and is looked up in a bounded in-process table, so it survives
 * only as long as this process and its table (a press on an expired one is answered "expired").
 * Keep action ids free of `|` and ids plus values under ~60 bytes to stay on the durable path.
 */
export class CallbackCodec {
  private readonly long = new Map<string, { actionId: string; value?: string }>();

  constructor(private readonly capacity = 10_000) {}

  encode(actionId: string, value?: string): string {
    const plain = value === undefined ? actionId : `${actionId}|${value}`;
    const fits = Buffer.byteLength(plain, 'utf8') <= TELEGRAM_LIMITS.callbackDataBytes;
    if (fits && plain.length > 0 && !actionId.includes('|') && !plain.startsWith('#')) return plain;
    const key = `#${createHash('sha256').update(plain).digest('base64url').slice(0, 22)}`;
    this.long.delete(key);
    this.long.set(key, value === undefined ? { actionId } : { actionId, value });
    if (this.long.size > this.capacity) {
      const oldest = this.long.keys().next().value;
      if (oldest !== undefined) this.long.delete(oldest);
    }
    return key;
  }

  /** The action behind callback_data; null for a long payload this process no longer knows. */
  decode(data: string): { actionId: string; value?: string } | null {
    if (data.startsWith('#')) return this.long.get(data) ?? null;
    const bar = data.indexOf('|');
    return bar < 0 ? { actionId: data } : { actionId: data.slice(0, bar), value: data.slice(bar + 1) };
  }
}

/** Rows of Hearth buttons as an inline keyboard (url buttons open links, others call back). */
export function inlineKeyboard(rows: Button[][], codec: CallbackCodec): InlineKeyboardButton[][] {
  return rows
    .filter((row) => row.length > 0)
    .map((row) =>
      row.map(
        (button): InlineKeyboardButton =>
          button.url
            ? { text: button.label, url: button.url }
            : { text: button.label, callback_data: codec.encode(button.actionId, button.value) },
      ),
    );
}

/** A poll trimmed to what sendPoll accepts (question ≤ 300, 2-10 options of ≤ 100 characters). */
export function pollParts(poll: PollContent): { question: string; options: string[] } {
  return {
    question: clip(poll.question, TELEGRAM_LIMITS.pollQuestion),
    options: poll.options
      .slice(0, TELEGRAM_LIMITS.pollOptionsMax)
      .map((o) => clip(o, TELEGRAM_LIMITS.pollOption)),
  };
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Hearth sends plain text with no parse_mode: Telegram shows it exactly as written and never
 * rejects it for bad markup ("can't parse entities"). These escapers are for the day a feature
 * wants formatting: escape every piece of user text before putting it into markup.
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes the characters MarkdownV2 reserves (https://core.telegram.org/bots/api#markdownv2-style). */
export function escapeMarkdownV2(text: string): string {
  return text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, (c) => `\\${c}`);
}
