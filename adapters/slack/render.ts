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
  // Split first, then escape: an entity is never cut in two (escaping may lengthen a piece a little,
  // well within Slack's own 40,000 characters).
  if (given.length === 0 && rows.length === 0) {
    return splitText(text || ' ', SLACK_TEXT_LIMIT).map((part) => ({ ...base, text: slackText(part) }));
  }
  if (given.length > 0) {
    const fallback = slackText(splitText(text || ' ', SLACK_TEXT_LIMIT)[0] ?? ' ');
    return [{ ...base, text: fallback, blocks: [...given, ...buttonBlocks(rows)] }];
  }
  const pieces = splitText(text || ' ', SECTION_TEXT_LIMIT).map(slackText);
  const last = pieces.at(-1) ?? ' ';
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: last } }, ...buttonBlocks(rows)];
  return [...pieces.slice(0, -1).map((part) => ({ ...base, text: part })), { ...base, text: last, blocks }];
}
