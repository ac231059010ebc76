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
