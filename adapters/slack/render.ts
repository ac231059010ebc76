/**
 * Hearth's OutboundMessage → Slack Web API arguments (Block Kit for buttons). A message's `text` is
 * plain text: it is escaped here (escape.ts) wherever it lands, as `text` or in a section block.
 */

import type { Button, OutboundMessage } from '../../src/core/outbound.ts';
import { splitText } from '../../src/core/split-text.ts';
import { slackText } from './escape.ts';

/** Slack truncates `text` past 40,000 characters and section blocks hold 3,000; 4,000 keeps messages readable. */
export const SLACK_TEXT_LIMIT = 4000;

/** A section block's text limit. */
const SECTION_TEXT_LIMIT = 3000;

/** Slack accepts up to five replies through one response_url. */
export const RESPONSE_URL_USES = 5;

export interface PostArgs {
  channel: string;
  text: string;
  thread_ts?: string;
  blocks?: Record<string, unknown>[];
  unfurl_links?: boolean;
}

/** Buttons as `actions` blocks, one per row; `#n` keeps action ids unique inside a block. */
export function buttonBlocks(rows: Button[][]): Record<string, unknown>[] {
  return rows.map((row, rowIndex) => ({
    type: 'actions',
    block_id: `hearth-buttons-${rowIndex}`,
    elements: row.map((button, index) =>
      button.url
        ? {
            type: 'button',
            action_id: `${button.actionId}#${index}`,
            text: { type: 'plain_text', text: button.label.slice(0, 75), emoji: true },
            url: button.url,
          }
        : {
            type: 'button',
            action_id: `${button.actionId}#${index}`,
            text: { type: 'plain_text', text: button.label.slice(0, 75), emoji: true },
            ...(button.value === undefined ? {} : { value: button.value }),
          },
    ),
  }));
}

/** Poll options as buttons (Slack has no native polls): action `poll:<pollId>`, value = option index. */
function pollButtons(message: OutboundMessage): Button[][] {
  if (!message.poll) return [];
  const { pollId, options } = message.poll;
  return options.map((label, index) => [{ actionId: `poll:${pollId}`, label, value: String(index) }]);
}

/**
 * `text` split into escaped pieces of at most `limit` characters each. Split first, then escape, so
 * an entity is never cut in two; a piece that escaping lengthened past the limit (`&` becomes
 * `&amp;`, up to five times as long) is split again, shorter.
 */
export function escapedPieces(text: string, limit: number, splitAt = limit): string[] {
  return splitText(text, splitAt).flatMap((piece) => {
    const escaped = slackText(piece);
    if (escaped.length <= limit || piece.length < 4) return [escaped];
    return escapedPieces(piece, limit, Math.max(2, Math.floor((piece.length * limit) / escaped.length)));
  });
}

/**
 * The chat.postMessage calls for one message. Blocks (given or for buttons) go on one message with
 * `text` as the notification fallback; plain long text is split at SLACK_TEXT_LIMIT.
 */
export function renderPosts(message: OutboundMessage): PostArgs[] {
  const base = {
    channel: message.to.chatId,
    ...(message.to.threadId ? { thread_ts: message.to.threadId } : {}),
  };
  const rows = [...(message.buttons ?? []), ...pollButtons(message)];
  const given = (message.blocks ?? []) as Record<string, unknown>[];
  const text = message.poll && !message.text ? message.poll.question : message.text;
  if (given.length === 0 && rows.length === 0) {
    return escapedPieces(text || ' ', SLACK_TEXT_LIMIT).map((part) => ({ ...base, text: part }));
  }
  if (given.length > 0) {
    const fallback = escapedPieces(text || ' ', SLACK_TEXT_LIMIT)[0] ?? ' ';
    return [{ ...base, text: fallback, blocks: [...given, ...buttonBlocks(rows)] }];
  }
  const pieces = escapedPieces(text || ' ', SECTION_TEXT_LIMIT);
  const last = pieces.at(-1) ?? ' ';
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: last } }, ...buttonBlocks(rows)];
  return [...pieces.slice(0, -1).map((part) => ({ ...base, text: part })), { ...base, text: last, blocks }];
}

/**
 * The posts of a reply through a response_url: every piece, in order. When they are more than
 * RESPONSE_URL_USES, the text is cut so they fit, ending with a note of how much was left out
 * (buttons, if any, still come last).
 */
export function responseUrlPosts(message: OutboundMessage): PostArgs[] {
  const posts = renderPosts(message);
  const text = message.text;
  if (posts.length <= RESPONSE_URL_USES || !text) return posts.slice(0, RESPONSE_URL_USES);
  const cutTo = (keep: number) => renderPosts({ ...message, text: truncated(text, keep) });
  // The longest kept start that fits (0 always does: the note alone is one post).
  let fits = 0;
  let tooLong = text.length;
  while (tooLong - fits > 1) {
    const keep = Math.floor((fits + tooLong) / 2);
    if (cutTo(keep).length <= RESPONSE_URL_USES) fits = keep;
    else tooLong = keep;
  }
  return cutTo(fits);
}

/** The first `keep` characters of `text` (never half a surrogate pair) and a note of the rest. */
function truncated(text: string, keep: number): string {
  const code = text.charCodeAt(keep - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? keep - 1 : keep;
  return `${text.slice(0, end).trimEnd()}\n\n(reply truncated: ${text.length - end} more characters)`;
}
