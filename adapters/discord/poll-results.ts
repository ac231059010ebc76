import type { AdapterContext } from '../../src/core/adapter.ts';
import type { Logger } from '../../src/core/log.ts';

/** A native poll's final counts as Discord reports them (finalized results only). */
export interface FinalPollCounts {
  messageId: string;
  question: string;
  /** Votes per answer, answer id 1 first. */
  counts: number[];
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The final counts in a message with a poll (a MESSAGE_UPDATE, the answer to an early end), or
 * undefined when it carries no finalized results or is malformed.
 */
export function finalPollCounts(message: unknown): FinalPollCounts | undefined {
  if (!isRecord(message) || typeof message.id !== 'string' || !isRecord(message.poll)) return undefined;
  const { poll } = message;
  const results = poll.results;
  if (!isRecord(results) || results.is_finalized !== true || !Array.isArray(results.answer_counts))
    return undefined;
  const answers = Array.isArray(poll.answers) ? poll.answers : [];
  const ids = answers.flatMap((a) => (isRecord(a) && typeof a.answer_id === 'number' ? [a.answer_id] : []));
  const highest = Math.max(0, ...ids);
  if (highest > 100) return undefined;
  const counts = Array.from({ length: highest }, () => 0);
  for (const entry of results.answer_counts) {
    if (!isRecord(entry) || typeof entry.id !== 'number' || typeof entry.count !== 'number') continue;
    if (entry.id >= 1 && entry.id <= highest && Number.isSafeInteger(entry.count))
      counts[entry.id - 1] = entry.count;
  }
  const question =
    isRecord(poll.question) && typeof poll.question.text === 'string' ? poll.question.text : '';
  return { messageId: message.id, question, counts };
}

/**
 * Compares Discord's final counts of a native poll with the votes Hearth recorded through Discord
 * for it. Hearth's tally stays the result (it counts each member once across platforms); a
 * difference is logged and the owners are told once per poll message.
 */
export class PollReconciler {
  private readonly done = new Set<string>();
  /** The last vote event on each poll message, until it is handled (its count must be in). */
  private readonly lastVote = new Map<string, Promise<unknown>>();

  constructor(
    private readonly log: Logger,
    private readonly context: () => AdapterContext | undefined,
  ) {}

  /** A vote on `messageId` is being handled: its final counts wait for it. */
  voteInHand(messageId: string, handled: Promise<unknown>): void {
    const before = this.lastVote.get(messageId);
    const after = Promise.allSettled([before, handled]);
    if (this.lastVote.size > 10_000 && !before) this.lastVote.clear();
    this.lastVote.set(messageId, after);
    void after.then(() => {
      if (this.lastVote.get(messageId) === after) this.lastVote.delete(messageId);
    });
  }

  async reconcile(final: FinalPollCounts): Promise<void> {
    const context = this.context();
    if (!context?.pollVotes || this.done.has(final.messageId)) return;
    this.done.add(final.messageId);
    await this.lastVote.get(final.messageId);
    let hearth: number[] | undefined;
    try {
      hearth = await context.pollVotes(final.messageId);
    } catch (error) {
      this.done.delete(final.messageId);
      this.log.warn({ err: error }, 'discord: final poll counts not compared (Hearth votes not read)');
      return;
    }
    if (!hearth) return;
    const length = Math.max(hearth.length, final.counts.length);
    const pad = (counts: number[]) => Array.from({ length }, (_, i) => counts[i] ?? 0);
    const ours = pad(hearth);
    const theirs = pad(final.counts);
    if (ours.every((count, i) => count === theirs[i])) {
      this.log.debug({ messageId: final.messageId }, 'discord: final poll counts agree with Hearth');
      return;
    }
    this.log.warn(
      { messageId: final.messageId, discord: theirs, hearth: ours },
      'discord: final poll counts differ from the votes Hearth recorded',
    );
    await context.tellOwners(
      `Discord's final counts for the poll "${final.question}" differ from the Discord votes Hearth ` +
        `recorded: Discord ${theirs.join(' / ')}, Hearth ${ours.join(' / ')} (per answer, in order). ` +
        "Hearth's tally counts each member once across platforms and stays the result.",
      `discord-poll-counts:${final.messageId}`,
    );
  }
}
