import type { Capabilities } from '../../core/adapter.ts';
import type { OutboundContent } from '../../core/outbound.ts';

/** What a broadcast says: text and an optional link shown as a button where the platform has them. */
export interface BroadcastContent {
  text: string;
  link?: { label: string; url: string };
}

/** Splits a trailing Markdown link `[Label](https://...)` off the owner's text into a link button. */
export function contentFromText(text: string): BroadcastContent {
  const m = /\s*\[([^\]]{1,64})\]\((https?:\/\/[^\s)]+)\)\s*$/.exec(text);
  if (!m?.[1] || !m[2]) return { text: text.trim() };
  return { text: text.slice(0, m.index).trim(), link: { label: m[1], url: m[2] } };
}

export function contentFromJson(value: unknown): BroadcastContent {
  const v = (value ?? {}) as { text?: unknown; link?: { label?: unknown; url?: unknown } };
  const text = typeof v.text === 'string' ? v.text : '';
  const label = v.link?.label;
  const url = v.link?.url;
  return typeof label === 'string' && typeof url === 'string' ? { text, link: { label, url } } : { text };
}

/** The message for one platform: the link as a button when it has buttons, else in the text. */
export function renderContent(
  content: BroadcastContent,
  capabilities: Capabilities | undefined,
): OutboundContent {
  if (!content.link) return { text: content.text };
  if (capabilities?.buttons) {
    return {
      text: content.text,
      buttons: [[{ actionId: 'broadcast.link', label: content.link.label, url: content.link.url }]],
    };
  }
  return { text: `${content.text}\n${content.link.label}: ${content.link.url}` };
}
