import type { HearthContext } from '../../app/context.ts';
import { Composer } from '../../core/composer.ts';
import type { VoteChoice } from '../../core/events.ts';
import { numberChoices, parseVoteValue, VOTE_ACTION } from './render.ts';
import type { PollService } from './service.ts';
import type { PollStore, VoteChange, VoteOutcome } from './store.ts';

/** A reply made only of option numbers: "2", "1 3", "1, 3". */
const NUMBERED_REPLY = /^\s*\d{1,2}(?:\s*[,;\s]\s*\d{1,2})*\s*\.?$/;

/** After a numbered poll closes, a number in its chat is answered "closed" for this long, then ignored. */
export const CLOSED_NOTICE_MS = 24 * 3_600_000;

/** How long a native vote waits for its poll's send to be recorded (PollStore.postByNativeId). */
export const VOTE_BEFORE_SEND_WAIT_MS = 10_000;

const CLOSED_REPLY = 'Thanks! This poll is closed now, so your vote was not counted.';

/**
 * Votes from the three renderings, all keyed by member (a member with identities on two platforms has
 * one vote):
 * - native poll answers (VoteEvent; pollRef = the platform's poll id → PollPost → Poll): the whole
 *   choice (Telegram) or one option added or removed (Discord), applied to the stored state;
 * - poll buttons (ActionEvent `poll.vote`, value `<pollId>:<idx>`; a press toggles that option);
 * - numbered replies (or exactly one option's words): a message made only of numbers in a chat where a poll was posted as numbered
 *   text counts for the latest open poll posted as numbered text in that chat. With none open, a
 *   number there is answered "closed" for 24 hours after such a poll closed, else passed on.
 * Malformed or unknown payloads are logged and ignored; nothing is thrown.
 */
export function pollsComposer(service: PollService): Composer<HearthContext> {
  const composer = new Composer<HearthContext>();
  const { store } = service;

  composer.on('vote', async (ctx) => {
    const { event } = ctx;
    const post = await store.postByNativeId(event.address.platform, event.pollRef, VOTE_BEFORE_SEND_WAIT_MS);
    if (!post) {
      ctx.log.warn({ pollRef: event.pollRef }, 'vote for an unknown poll ignored');
      return;
    }
    if (!isVoteChoice(event.choice)) {
      ctx.log.warn({ pollRef: event.pollRef }, 'malformed vote ignored');
      return;
    }
    const outcome = await castVote(store, ctx, post.pollId, event.choice);
    // A native answer arrives without a chat of its own: tell the voter only in a direct chat.
    if (outcome.kind === 'closed' && event.isDirect) await ctx.reply(CLOSED_REPLY);
  });

  composer.action(VOTE_ACTION, async (ctx) => {
    const vote = parseVoteValue(ctx.event.value);
    if (!vote) {
      ctx.log.warn({ value: ctx.event.value?.slice(0, 100) }, 'malformed poll button value ignored');
      return;
    }
    const outcome = await castVote(store, ctx, vote.pollId, { toggle: vote.idx });
    // In a group or channel a reply would be a post for everyone, one per press: tell only in a DM.
    if (outcome.kind === 'closed') {
      if (ctx.event.isDirect) await ctx.reply(CLOSED_REPLY);
    } else if (outcome.kind === 'recorded' && ctx.event.isDirect) await ctx.reply(confirmation(outcome));
  });

  composer.on('message', async (ctx, next) => {
    const { event } = ctx;
    if (!NUMBERED_REPLY.test(event.text)) return voteByWords(store, ctx, next);
    const closedSince = new Date(ctx.services.now().getTime() - CLOSED_NOTICE_MS);
    const poll = await store.numberedPollInChat(event.address.platform, event.address.chatId, closedSince);
    if (!poll) return next();
    if (poll.status === 'closed') {
      await ctx.reply(CLOSED_REPLY);
      return;
    }
    const numbers = (event.text.match(/\d+/g) ?? []).map(Number);
    const count = poll.options.length;
    if (numbers.some((n) => n < 1 || n > count)) {
      await ctx.reply(`Please reply with ${poll.multi ? 'numbers' : 'a number'} from 1 to ${count}.`);
      return;
    }
    if (!poll.multi && new Set(numbers).size > 1) {
      await ctx.reply(`This poll takes one answer: reply ${numberChoices(count)}.`);
      return;
    }
    const outcome = await castVote(store, ctx, poll.id, { set: numbers.map((n) => n - 1) });
    if (outcome.kind === 'recorded') await ctx.reply(confirmation(outcome));
    if (outcome.kind === 'closed') await ctx.reply(CLOSED_REPLY);
  });

  return composer;
}

/** Option words are short: longer messages are never taken for a vote (and cost no lookup). */
const MAX_OPTION_WORDS_LENGTH = 100;

/** Lower case, letters and digits only: "Tuesday!" and " tuesday" are the same answer. */
function comparable(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * A reply that is exactly one option's words ("Tue", "tuesday!" for "Tuesday") in a chat with an
 * open numbered poll votes for that option, as its number would; anything else goes on.
 */
async function voteByWords(store: PollStore, ctx: HearthContext, next: () => Promise<void>): Promise<void> {
  const { event } = ctx;
  if (event.kind !== 'message' || event.text.length > MAX_OPTION_WORDS_LENGTH || event.text.includes('\n'))
    return next();
  const words = comparable(event.text);
  if (!words) return next();
  const poll = await store.numberedPollInChat(
    event.address.platform,
    event.address.chatId,
    ctx.services.now(),
  );
  if (poll?.status !== 'open') return next();
  const idx = poll.options.findIndex((option) => comparable(option) === words);
  if (idx < 0) return next();
  const outcome = await castVote(store, ctx, poll.id, { set: [idx] });
  if (outcome.kind === 'recorded') await ctx.reply(confirmation(outcome));
  if (outcome.kind === 'closed') await ctx.reply(CLOSED_REPLY);
}

/** A vote choice the store can apply: whole numbers only (adapters are trusted, payloads are not). */
function isVoteChoice(choice: unknown): choice is VoteChoice {
  if (typeof choice !== 'object' || choice === null) return false;
  const c = choice as Record<string, unknown>;
  if ('set' in c) return Array.isArray(c.set) && c.set.every((n) => Number.isInteger(n));
  if ('add' in c) return Number.isInteger(c.add);
  if ('remove' in c) return Number.isInteger(c.remove);
  return false;
}

async function castVote(
  store: PollStore,
  ctx: HearthContext,
  pollId: string,
  change: VoteChange,
): Promise<VoteOutcome> {
  const { event } = ctx;
  const outcome = await store.vote(pollId, ctx.memberId, event.address.platform, change, event.at);
  if (outcome.kind === 'unknown') ctx.log.warn({ pollId }, 'vote for an unknown poll ignored');
  if (outcome.kind === 'invalid') ctx.log.warn({ pollId, reason: outcome.reason }, 'invalid vote ignored');
  if (outcome.kind === 'closed') ctx.log.info({ pollId }, 'vote after closing refused');
  return outcome;
}

function confirmation(outcome: Extract<VoteOutcome, { kind: 'recorded' }>): string {
  const chosen = outcome.after.map((idx) => outcome.poll.options[idx]).filter(Boolean);
  if (chosen.length === 0) return `Your vote on "${outcome.poll.question}" was withdrawn.`;
  return `Thanks! Your vote on "${outcome.poll.question}": ${chosen.join(', ')}.`;
}
