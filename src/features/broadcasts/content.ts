import type { Capabilities } from '../../core/adapter.ts';
import type { OutboundContent } from '../../core/outbound.ts';

/** What a broadcast says: text and an optional link shown as a button where the platform has them. */
export interface BroadcastContent {
  text: string;
  link?: { label: string; url: string };
  /** The owner asked to ping everyone in community chats (`--mention-everyone`). */
  mentionEveryone?: boolean;
}

/** `--mention-everyone` as the first or last word of a broadcast's text. */
const MENTION_EVERYONE_FLAG = /^--mention-everyone(?:\s+|$)|\s+--mention-everyone$/;

/**
 * Splits a trailing Markdown link `[Label](https://...)` off the owner's text into a link button,
 * and takes out a `--mention-everyone` flag (first or last word).
 */
export function contentFromText(input: string): BroadcastContent {
  const trimmed = input.trim();
  const mention = MENTION_EVERYONE_FLAG.test(trimmed) ? { mentionEveryone: true } : {};
  const text = trimmed.replace(MENTION_EVERYONE_FLAG, '');
  const m = /\s*\[([^\]]{1,64})\]\((https?:\/\/[^\s)]+)\)\s*$/.exec(text);
  if (!m?.[1] || !m[2]) return { text: text.trim(), ...mention };
  return { text: text.slice(0, m.index).trim(), link: { label: m[1], url: m[2] }, ...mention };
}

export function contentFromJson(value: unknown): BroadcastContent {
  const v = (value ?? {}) as {
    text?: unknown;
    link?: { label?: unknown; url?: unknown };
    mentionEveryone?: unknown;
  };
  const text = typeof v.text === 'string' ? v.text : '';
  const label = v.link?.label;
  const url = v.link?.url;
  const mention = v.mentionEveryone === true ? { mentionEveryone: true } : {};
  return typeof label === 'string' && typeof url === 'string'
    ? { text, link: { label, url }, ...mention }
    : { text, ...mention };
}

/** The message for one platform: the link as a button when it has buttons, else in the text. */
export function renderContent(
  content: BroadcastContent,
  capabilities: Capabilities | undefined,
): OutboundContent {
  const mention = content.mentionEveryone ? { mentionEveryone: true } : {};
  if (!content.link) return { text: content.text, ...mention };
  if (capabilities?.buttons) {
    return {
      text: content.text,
      buttons: [[{ actionId: 'broadcast.link', label: content.link.label, url: content.link.url }]],
      ...mention,
    };
  }
  return { text: `${content.text}\n${content.link.label}: ${content.link.url}`, ...mention };
}

/** The content for a direct message: a ping of everyone only makes sense in a community chat. */
export function withoutMention(content: OutboundContent): OutboundContent {
  const { mentionEveryone: _ping, ...rest } = content;
  return rest;
}
