/**
 * Slack's text encoding, applied at the adapter's edge. Inside Hearth every `text` is plain text;
 * Slack reads message text as mrkdwn, where `&`, `<` and `>` make entities, mentions (`<!channel>`,
 * `<@U1>`, `<#C1>`) and labelled links (`<https://x|label>`). So every plain text Hearth posts is
 * escaped here, and the escaping Slack applies to what users type is undone on the way in. The
 * markup Hearth builds itself travels in blocks made with src/core/blocks.ts (already escaped there).
 */
import { escapeMrkdwn } from '../../src/core/blocks.ts';

/** Plain text → Slack message text that shows exactly that text (no mention, link or entity). */
export function slackText(plain: string): string {
  return escapeMrkdwn(plain);
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/** Text a user typed, as Slack delivers it (`&`, `<`, `>` escaped) → the plain text they typed. */
export function plainFromSlack(text: string): string {
  return text.replace(/&(?:amp|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);
}

/**
 * A message or command an owner typed in Slack → plain text for anywhere else (a customer on
 * Telegram, a FAQ answer). Slack wraps what it recognises in markup: a pasted link arrives as
 * `<https://x>`, a labelled one as `<https://x|label>`, a mention as `<@U1>` or `<!here>`, a
 * channel as `<#C1|name>`. Links become `label (url)` or the bare url, mentions and channels their
 * name without `@`; a literal `<` the owner typed arrives as `&lt;`, so every `<…>` left is Slack's markup.
 */
export function plainFromTyped(text: string): string {
  return plainFromSlack(text.replace(/<([^<>]*)>/g, (_markup, inner: string) => readMarkup(inner)));
}

/** One `<…>` of Slack markup as plain text; a mention keeps no `@` (elsewhere it would ping someone). */
function readMarkup(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = (bar < 0 ? '' : inner.slice(bar + 1)).replace(/^@/, '');
  if (target.startsWith('@')) return label || target.slice(1);
  if (target.startsWith('#')) return `#${label || target.slice(1)}`;
  if (target.startsWith('!')) return label || (target.slice(1).split('^')[0] ?? '');
  const address = target.replace(/^(?:mailto|tel):/, '');
  const bare = address.replace(/^https?:\/\//, '');
  return !label || label === address || label === bare ? address : `${label} (${address})`;
}
