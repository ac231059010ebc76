import type { Services } from '../../app/context.ts';
import type { EnqueueRequest } from '../../core/context.ts';
import type { ChatAddress, Platform } from '../../core/events.ts';
import type { OutboundContent, SendResult } from '../../core/outbound.ts';
import type { Prisma, Tx } from '../../db/database.ts';
import type { OutboxRow } from '../../delivery/outbox.ts';
import { marketingGateOf } from '../journey/gate.ts';
import { recipientsOf, renderingFor, resolveAudience } from './audience.ts';
import { assertPollFits } from './fit.ts';
import { closingTime, type PollRequest } from './parse.ts';
import { parseVoteValue, pollContent, resultsContent, VOTE_ACTION } from './render.ts';
import { type PollRecord, PollStore, type PostRendering, type Tally } from './store.ts';

/** What creating a poll did. */
export interface PostedPoll {
  poll: PollRecord;
  /** Chats the poll went to, by rendering. */
  posted: Record<PostRendering, number>;
}

/** What closing a poll did. */
export interface ClosedPoll {
  poll: PollRecord;
  tally: Tally;
  /** Chats the results went to (community channels and the owners). */
  resultChats: number;
  /** Native polls asked to stop. */
  stopped: number;
}

const INSERT_CHUNK = 500;

/** Target key of a chat in dedupe keys: `<platform>:<chatId>[:<threadId>]`. */
function targetKey(address: ChatAddress): string {
  return `${address.platform}:${address.chatId}${address.threadId ? `:${address.threadId}` : ''}`;
}

/** Creates, posts and closes polls; the vote bookkeeping lives in PollStore. */
export class PollService {
  readonly store: PollStore;

  constructor(private readonly services: Services) {
    this.store = new PollStore(services.db, services.metrics);
  }

  /** Creates and posts a poll now, in one transaction. */
  async create(request: PollRequest, createdBy: string | null): Promise<PostedPoll> {
    const posted = await this.services.db.$transaction(
      async (tx) => this.createIn(tx, request, createdBy, this.services.now()),
      { maxWait: 60_000, timeout: 120_000 },
    );
    this.services.wakeDelivery();
    return posted;
  }

  /**
   * Creates the poll inside `tx` and, in the same transaction, one PollPost and one outbox row per
   * chat of the audience (in batches; the outbox row's dedupe key is `poll:<pollId>:<target>`). The
   * rendering of each chat follows its platform's capabilities. `postedAt` starts relative closing times.
   */
  async createIn(
    tx: Tx,
    request: PollRequest,
    createdBy: string | null,
    postedAt: Date,
  ): Promise<PostedPoll> {
    const audience = await resolveAudience(tx, request.targets);
    const posted: Record<PostRendering, number> = { native: 0, buttons: 0, numbered: 0 };
    const row = await tx.poll.create({
      data: {
        question: request.question,
        multi: request.multi,
        anonymous: request.anonymous,
        closesAt: closingTime(request.closes, postedAt) ?? null,
        audience: audience as unknown as Prisma.InputJsonValue,
        createdBy,
        createdAt: postedAt,
        options: { create: request.options.map((text, idx) => ({ idx, text })) },
      },
      select: { id: true },
    });
    const poll = (await this.store.find(row.id, tx)) as PollRecord;
    const shape = {
      question: poll.question,
      options: poll.options,
      ...(poll.closesAt ? { openForMs: poll.closesAt.getTime() - postedAt.getTime() } : {}),
    };
    for await (const page of recipientsOf(tx, audience)) {
      for (let i = 0; i < page.length; i += INSERT_CHUNK) {
        const chunk = page.slice(i, i + INSERT_CHUNK).map((recipient) => {
          const capabilities = this.services.capabilitiesOf(recipient.address.platform);
          const rendering = renderingFor(capabilities, poll, recipient);
          // Inside the transaction: a poll that does not fit one platform posts nowhere.
          if (rendering === 'native')
            assertPollFits(shape, displayName(recipient.address.platform), capabilities?.pollLimits);
          return { recipient, rendering };
        });
        await tx.pollPost.createMany({
          data: chunk.map(({ recipient, rendering }) => ({
            pollId: poll.id,
            platform: recipient.address.platform,
            chatId: recipient.address.chatId,
            rendering,
          })),
        });
        const messages: EnqueueRequest[] = chunk.map(({ recipient, rendering }) => ({
          to: recipient.address,
          content: pollContent(poll, rendering),
          dedupeKey: `poll:${poll.id}:${targetKey(recipient.address)}`,
          ...(recipient.memberId ? { memberId: recipient.memberId } : {}),
        }));
        await this.services.outbox.enqueueMany(messages, tx);
        for (const { rendering } of chunk) posted[rendering]++;
      }
    }
    // Direct messages to subscribers are marketing: the owners' restraint may hold or drop them.
    await marketingGateOf(this.services.db)?.restrain(
      tx,
      { dedupePrefix: `poll:${poll.id}:` },
      {
        expiresAt: poll.closesAt,
      },
    );
    this.services.log.info({ pollId: poll.id, posted }, 'poll posted');
    return { poll, posted };
  }

  /**
   * Closes a poll once (across instances: the status update decides): stops its native polls, posts
   * the results to each community channel it was posted in and to the owners, records a metric fact.
   * Direct-message recipients are not messaged again (that would be a new broadcast). Null when the
   * poll was not open.
   */
  async close(pollId: string, reason: 'due' | 'owner'): Promise<ClosedPoll | null> {
    const at = this.services.now();
    const closed = await this.store.close(pollId, at, async (tx, poll, tally) => {
      const posts = await tx.pollPost.findMany({ where: { pollId } });
      const postedChats = new Set(posts.map((p) => `${p.platform}:${p.chatId}`));
      const channels = (
        await tx.channel.findMany({ select: { platform: true, chatId: true, threadId: true } })
      ).filter((c) => postedChats.has(`${c.platform}:${c.chatId}`));
      const messages: EnqueueRequest[] = [];
      let stopped = 0;
      for (const post of posts) {
        if (post.rendering === 'native' && post.messageId) {
          messages.push(stopRequest(poll.id, post));
          stopped++;
        }
      }
      // Buttons left on a community channel's post invite presses that count for nothing: the post
      // is edited to say it closed (DMs keep theirs; a press there is answered privately).
      const channelChats = new Set(channels.map((c) => `${c.platform}:${c.chatId}`));
      for (const post of posts) {
        if (
          post.rendering === 'buttons' &&
          post.messageId &&
          channelChats.has(`${post.platform}:${post.chatId}`)
        )
          messages.push(closedPostEdit(poll, post));
      }
      const results = resultsContent(poll, tally, true);
      const chats = new Map<string, ChatAddress>();
      for (const channel of channels) {
        const address: ChatAddress = { platform: channel.platform as Platform, chatId: channel.chatId };
        if (channel.threadId) address.threadId = channel.threadId;
        chats.set(targetKey(address), address);
      }
      chats.set(targetKey(this.services.owners.channel), this.services.owners.channel);
      for (const [key, address] of chats) {
        messages.push({ to: address, content: results, dedupeKey: `poll-results:${poll.id}:${key}` });
      }
      for (let i = 0; i < messages.length; i += INSERT_CHUNK) {
        await this.services.outbox.enqueueMany(messages.slice(i, i + INSERT_CHUNK), tx);
      }
      await this.services.metrics.record(
        {
          type: 'poll_closed',
          value: tally.voters,
          at,
          data: { pollId, reason, counts: tally.counts, voters: tally.voters, question: poll.question },
        },
        tx,
      );
      return { poll, tally, resultChats: chats.size, stopped };
    });
    if (closed) {
      this.services.wakeDelivery();
      this.services.log.info({ pollId, reason, voters: closed.tally.voters }, 'poll closed');
    }
    return closed;
  }

  /** Closes every open poll whose time has come (the polls.close-due job). Returns how many it closed. */
  async closeDue(occurrence: Date): Promise<number> {
    let closed = 0;
    for (const pollId of await this.store.dueForClosing(occurrence)) {
      try {
        if (await this.close(pollId, 'due')) closed++;
      } catch (error) {
        this.services.log.error({ err: error, pollId }, 'could not close a poll; the next run retries');
      }
    }
    return closed;
  }

  /**
   * A poll message went out: remember its message id (and the native poll id, which maps votes back).
   * A native poll that lands after its poll was closed is stopped at once.
   */
  async onSent(row: OutboxRow, result: SendResult): Promise<void> {
    const pollId = pollIdOf(row.payload);
    if (!pollId) return;
    const { db } = this.services;
    const post = await db.pollPost.findFirst({
      where: { pollId, platform: row.platform, chatId: row.chatId, messageId: null },
    });
    if (!post) return;
    await db.pollPost.update({
      where: { id: post.id },
      data: {
        messageId: result.messageId,
        ...(result.nativePollId ? { nativePollId: result.nativePollId } : {}),
      },
    });
    if (post.rendering !== 'native') return;
    // A locking read waits for a close in progress: either the close saw this message id, or this
    // sees the poll closed (the stop's dedupe key makes a second stop a no-op).
    const poll = await db.$queryRaw<{ status: string }[]>`
      SELECT status FROM poll WHERE id = ${pollId} FOR SHARE`;
    if (poll[0]?.status === 'closed') {
      await this.services.outbox.enqueue(stopRequest(pollId, { ...post, messageId: result.messageId }));
      this.services.wakeDelivery();
    }
  }

  /** Chats each poll was posted to. */
  async recipientCounts(pollIds: string[]): Promise<Map<string, number>> {
    const groups = await this.services.db.pollPost.groupBy({
      by: ['pollId'],
      where: { pollId: { in: pollIds } },
      _count: { _all: true },
    });
    return new Map(groups.map((g) => [g.pollId, g._count._all]));
  }

  /** Current results for the owners, without closing. */
  async results(poll: PollRecord): Promise<OutboundContent> {
    return resultsContent(
      poll,
      await this.store.tally(poll.id, poll.options.length),
      poll.status === 'closed',
    );
  }
}

function stopRequest(
  pollId: string,
  post: { id: string; platform: string; chatId: string; messageId: string | null },
): EnqueueRequest {
  return {
    to: { platform: post.platform as Platform, chatId: post.chatId },
    content: { text: '', stopPoll: { messageId: post.messageId ?? '' } },
    dedupeKey: `poll-stop:${pollId}:${post.id}`,
  };
}

/** A button poll's post in a channel, edited at close: the question stays, the buttons go. */
function closedPostEdit(
  poll: { id: string; question: string },
  post: { id: string; platform: string; chatId: string; messageId: string | null },
): EnqueueRequest {
  return {
    to: { platform: post.platform as Platform, chatId: post.chatId },
    content: {
      text: `📊 ${poll.question}
This poll is closed; the results follow.`,
      editMessageId: post.messageId ?? '',
    },
    dedupeKey: `poll-closed-post:${poll.id}:${post.id}`,
  };
}

/** The poll an outbox payload carries: a native poll, or poll buttons. */
function pollIdOf(payload: OutboundContent): string | undefined {
  if (payload.poll?.pollId) return payload.poll.pollId;
  const button = payload.buttons?.flat().find((b) => b.actionId === VOTE_ACTION);
  return button ? parseVoteValue(button.value)?.pollId : undefined;
}

/** A platform as owners read it: "Telegram", "Discord", "X". */
function displayName(platform: Platform): string {
  return platform.charAt(0).toUpperCase() + platform.slice(1);
}
