import { context, header, mrkdwn, section } from '../../core/blocks.ts';
import type { Button, OutboundContent } from '../../core/outbound.ts';
import { dayAndTime } from '../../scheduler/describe.ts';
import type { PollRecord, PostRendering, Tally } from './store.ts';

/** The actionId of a poll button; its value is `<pollId>:<optionIdx>`. */
export const VOTE_ACTION = 'poll.vote';

/** The id owners see and type: the first 8 characters of the poll's uuid. */
export function shortId(pollId: string): string {
  return pollId.slice(0, 8);
}

/** Reads a button value `<pollId>:<optionIdx>`; null when it is not one. */
export function parseVoteValue(value: string | undefined): { pollId: string; idx: number } | null {
  const match = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d{1,2})$/.exec(
    value ?? '',
  );
  if (!match?.[1] || !match[2]) return null;
  return { pollId: match[1], idx: Number(match[2]) };
}

/** "Mon 7 Dec at 09:00 Europe/Berlin": in words, in the business's timezone (UTC unless given). */
export function formatTime(at: Date, timezone = 'UTC'): string {
  return `${dayAndTime(at, timezone)} ${timezone}`;
}

/** "1, 2 or 3" */
export function numberChoices(count: number): string {
  const numbers = Array.from({ length: count }, (_, i) => String(i + 1));
  return numbers.length > 1 ? `${numbers.slice(0, -1).join(', ')} or ${numbers.at(-1)}` : (numbers[0] ?? '1');
}

function closingLine(poll: PollRecord): string {
  return poll.closesAt ? `\nCloses ${formatTime(poll.closesAt)}.` : '';
}

/** What is sent to one chat, by the rendering chosen for it. */
export function pollContent(poll: PollRecord, rendering: PostRendering): OutboundContent {
  const header = `📊 ${poll.question}`;
  if (rendering === 'native') {
    // The question as text: adapters that send a separate text when it differs send only the poll.
    return {
      text: poll.question,
      poll: {
        pollId: poll.id,
        question: poll.question,
        options: poll.options,
        multi: poll.multi,
        anonymous: poll.anonymous,
        ...(poll.closesAt ? { closesAt: poll.closesAt.toISOString() } : {}),
      },
    };
  }
  if (rendering === 'buttons') {
    const hint = poll.multi
      ? 'Tap every option you like; tap again to undo.'
      : 'Tap one option; tap it again to undo.';
    const buttons: Button[][] = poll.options.map((label, idx) => [
      { actionId: VOTE_ACTION, label, value: `${poll.id}:${idx}` },
    ]);
    return { text: `${header}\n${hint}${closingLine(poll)}`, buttons };
  }
  const list = poll.options.map((option, idx) => `${idx + 1}. ${option}`).join('\n');
  const how = poll.multi
    ? `Reply with the numbers you choose, e.g. "1 3" (any of ${numberChoices(poll.options.length)}).`
    : `Reply ${numberChoices(poll.options.length)} to vote.`;
  return { text: `${header}\n${list}\n${how}${closingLine(poll)}` };
}

/**
 * Whole percentages that add up to exactly 100 (largest remainder), so a single-choice result never
 * reads 99% or 101%. All zero when there is nothing to share.
 */
export function sharesOf(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return counts.map(() => 0);
  const exact = counts.map((c) => (c * 100) / total);
  const floors = exact.map(Math.floor);
  let left = 100 - floors.reduce((a, b) => a + b, 0);
  const order = exact
    .map((value, idx) => ({ idx, rest: value - Math.floor(value) }))
    .sort((a, b) => b.rest - a.rest || a.idx - b.idx);
  for (const { idx } of order) {
    if (left <= 0) break;
    floors[idx] = (floors[idx] ?? 0) + 1;
    left--;
  }
  return floors;
}

/**
 * Percentages per option: of all votes for a single-choice poll (they sum to 100), of voters for a
 * multiple-choice poll (each says how many voters picked it; they may sum to more than 100).
 */
export function percentages(poll: Pick<PollRecord, 'multi'>, tally: Tally): number[] {
  if (!poll.multi) return sharesOf(tally.counts);
  return tally.counts.map((c) => (tally.voters === 0 ? 0 : Math.round((c * 100) / tally.voters)));
}

/** `█████░░░░░` for 48%. */
export function bar(percent: number, width = 10): string {
  const filled = Math.max(0, Math.min(width, Math.round((percent * width) / 100)));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** One line per option: `█████░░░░░ 48% (12)  Option A`. */
export function resultLines(poll: PollRecord, tally: Tally): string[] {
  const shares = percentages(poll, tally);
  return poll.options.map((option, idx) => {
    const pct = shares[idx] ?? 0;
    const count = tally.counts[idx] ?? 0;
    return `${bar(pct)} ${String(pct).padStart(3)}% (${count})  ${option}`;
  });
}

/** The results message: plain text everywhere, Block Kit where the platform shows blocks. */
export function resultsContent(poll: PollRecord, tally: Tally, final: boolean): OutboundContent {
  const title = `📊 ${final ? 'Poll results' : 'Poll so far'}: ${poll.question}`;
  const lines = resultLines(poll, tally);
  const voters = `${tally.voters} ${tally.voters === 1 ? 'person' : 'people'} voted${poll.multi ? ' (several choices allowed; % of voters)' : ''}.`;
  const text = `${title}\n${lines.join('\n')}\n${voters}`;
  return {
    text,
    blocks: [
      header(title),
      section(mrkdwn`\`\`\`\n${lines.join('\n')}\n\`\`\``),
      context(mrkdwn`${voters} Poll \`${shortId(poll.id)}\``),
    ],
  };
}
