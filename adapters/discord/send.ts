import type { REST } from 'discord.js';
import { Routes } from 'discord.js';
import { PermanentError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import type { OutboundMessage, SendResult } from '../../src/core/outbound.ts';
import { ResumableSends } from '../send-steps.ts';
import {
  discordCode,
  POLL_ALREADY_CLOSED,
  RECIPIENT_GONE_CODES,
  TOKEN_GONE_CODES,
  toCoreError,
} from './errors.ts';
import { type HandleValue, parseHandle } from './normalize.ts';
import {
  actionRows,
  type CustomIdCodec,
  clip,
  DISCORD_LIMITS,
  discordPieces,
  EVERYONE,
  escapeDiscord,
  NO_MENTIONS,
  nonceFor,
  pollBody,
  withEveryone,
} from './render.ts';

export interface SenderDeps {
  rest: REST;
  codec: CustomIdCodec;
  now: () => number;
  log: Logger;
  /** This process's acknowledgement of the interaction, if it made one: true once it succeeded. */
  pendingAck(interactionId: string): Promise<boolean> | undefined;
  /** True for the one answer (across instances) that edits the interaction's deferred message. */
  claimOriginal(interactionId: string): Promise<boolean>;
  /** Discord's answer to an early end: the poll message with its final results. */
  pollEnded(message: unknown): void;
}

/**
 * One outbox row → REST calls: text in escaped pieces with a nonce each (enforce_nonce), buttons as
 * action rows, native polls and their early end, files, edits; a reply through an interaction's
 * token while it is valid, else without it. A retried row resumes at the piece that failed.
 */
export class DiscordSender {
  /** Steps already done of multi-message sends, by outbox id: a retry resumes where it failed. */
  private readonly resumable = new ResumableSends('discord');
  /** Members' DM channels, by user id (bounded). */
  private readonly dmChannels = new Map<string, string>();

  constructor(private readonly deps: SenderDeps) {}

  async deliver(message: OutboundMessage): Promise<SendResult> {
    const channelId = message.to.chatId;
    const components = message.buttons?.length ? actionRows(message.buttons, this.deps.codec) : undefined;
    const text = message.text ?? '';
    const plain = !message.poll && !message.stopPoll && !message.file && !message.editMessageId;
    if (plain && message.replyHandle) return this.answer(message, message.replyHandle, components);
    if (message.editMessageId) {
      const messageId = message.editMessageId;
      await message.beforeRequest?.();
      await this.deps.rest.patch(Routes.channelMessage(channelId, messageId), {
        body: {
          content: clip(escapeDiscord(text), DISCORD_LIMITS.text),
          components: components ?? [],
          allowed_mentions: NO_MENTIONS,
        },
      });
      return { messageId };
    }
    const steps: (() => Promise<SendResult>)[] = [];
    const plainPieces = text.trim() ? discordPieces(text) : [];
    // Only an owner's broadcast that asked for it pings everyone, in its first piece alone.
    const mention = message.mentionEveryone === true && !message.poll && !message.stopPoll;
    const pieces = mention ? withEveryone(plainPieces) : plainPieces;
    const post =
      (index: number, body: Record<string, unknown>, files?: { name: string; data: Buffer }[]) =>
      async () => {
        const sent = (await this.deps.rest.post(Routes.channelMessages(channelId), {
          body: {
            ...body,
            allowed_mentions: mention && index === 0 ? EVERYONE : NO_MENTIONS,
            nonce: nonceFor(message.id, index),
            enforce_nonce: true,
          },
          ...(files ? { files } : {}),
        })) as { id: string };
        return { messageId: sent.id };
      };
    const textSteps = (withComponentsLast: boolean) =>
      pieces.map((content, i) =>
        post(i, {
          content,
          ...(withComponentsLast && components && i === pieces.length - 1 ? { components } : {}),
        }),
      );
    if (message.stopPoll) {
      const pollMessageId = message.stopPoll.messageId;
      steps.push(async () => {
        try {
          this.deps.pollEnded(await this.deps.rest.post(Routes.expirePoll(channelId, pollMessageId)));
        } catch (error) {
          if (!POLL_ALREADY_CLOSED.has(discordCode(error) ?? 0)) throw error;
        }
        return { messageId: pollMessageId };
      });
      steps.push(...textSteps(true));
    } else if (message.poll) {
      const poll = message.poll;
      if (text.trim() && text.trim() !== poll.question.trim()) steps.push(...textSteps(false));
      steps.push(async () => {
        const result = await post(pieces.length, {
          poll: pollBody(poll, this.deps.now()),
          ...(components ? { components } : {}),
        })();
        return { ...result, nativePollId: result.messageId };
      });
    } else if (message.file) {
      const file = message.file;
      const [first, ...rest] = pieces;
      steps.push(
        post(0, { content: first ?? '', ...(components && rest.length === 0 ? { components } : {}) }, [
          { name: file.name, data: Buffer.from(file.contentBase64, 'base64') },
        ]),
      );
      rest.forEach((content, i) => {
        steps.push(post(i + 1, { content, ...(components && i === rest.length - 1 ? { components } : {}) }));
      });
    } else {
      if (pieces.length === 0) throw new PermanentError('discord: nothing to send (empty text)');
      steps.push(...textSteps(true));
    }
    return this.resumable.run(message.id, steps, message.beforeRequest);
  }

  /**
   * An answer to an interaction: through its token while Discord still takes it (the token is fresh,
   * the acknowledgement did not fail, Discord knows the interaction), else without it.
   */
  private async answer(
    message: OutboundMessage,
    replyHandle: NonNullable<OutboundMessage['replyHandle']>,
    components: unknown[] | undefined,
  ): Promise<SendResult> {
    const handle = parseHandle(replyHandle.value);
    if (!handle)
      throw new PermanentError('discord: answer expired (its interaction handle is unreadable); not posted');
    if (!(Date.parse(replyHandle.expiresAt) > this.deps.now()))
      return this.withoutToken(message, handle, 'the interaction token expired');
    if ((await this.deps.pendingAck(handle.i)) === false)
      return this.withoutToken(message, handle, 'the interaction was not acknowledged');
    try {
      return await this.answerInteraction(message.id, handle, message.text ?? '', components);
    } catch (error) {
      const code = discordCode(error);
      if (code === undefined || !TOKEN_GONE_CODES.has(code)) throw error;
      return this.withoutToken(message, handle, `Discord no longer knows the interaction (code ${code})`);
    }
  }

  /**
   * An answer sent as a normal message when the interaction's token cannot carry it: in the channel
   * when everyone there could see it anyway, in the member's DMs when only they may (never in the
   * channel: without the member's id it fails, "answer expired"). A refusal there unsubscribes or
   * deactivates no one: it is a plain permanent failure of this answer.
   */
  private async withoutToken(
    message: OutboundMessage,
    handle: HandleValue,
    why: string,
  ): Promise<SendResult> {
    if (handle.e && !handle.u)
      throw new PermanentError(`discord: answer expired (${why}); only the member may see it: not posted`);
    this.deps.log.info(
      { interactionId: handle.i, ephemeral: handle.e },
      `discord: answered without the interaction token (${why})${handle.e ? ' in a DM' : ''}`,
    );
    try {
      const chatId = handle.e && handle.u ? await this.dmChannelOf(handle.u) : message.to.chatId;
      return await this.deliver({ ...message, replyHandle: undefined, to: { ...message.to, chatId } });
    } catch (error) {
      const code = discordCode(error);
      if (code === undefined || !RECIPIENT_GONE_CODES.has(code)) throw error;
      const refused = new PermanentError(
        `discord: answer not delivered (${why}): ${toCoreError(error).message}`,
      );
      refused.cause = error;
      throw refused;
    }
  }

  /** The DM channel between the bot and a member (Discord gives the existing one). */
  private async dmChannelOf(userId: string): Promise<string> {
    const known = this.dmChannels.get(userId);
    if (known) return known;
    const body = { recipient_id: userId };
    const channel = (await this.deps.rest.post(Routes.userChannels(), { body })) as { id: string };
    if (this.dmChannels.size >= 10_000) this.dmChannels.clear();
    this.dmChannels.set(userId, channel.id);
    return channel.id;
  }

  /**
   * Answers an interaction through its token: the first answer to a slash command edits the
   * deferred "thinking…" message, every other one is a follow-up (ephemeral when the command was).
   */
  private async answerInteraction(
    outboxId: string,
    handle: HandleValue,
    text: string,
    components: unknown[] | undefined,
  ): Promise<SendResult> {
    const pieces = text.trim() ? discordPieces(text) : [];
    if (pieces.length === 0) throw new PermanentError('discord: nothing to send (empty text)');
    const steps = pieces.map((content, i) => async (): Promise<SendResult> => {
      const body = {
        content,
        allowed_mentions: NO_MENTIONS,
        ...(components && i === pieces.length - 1 ? { components } : {}),
      };
      const original = i === 0 && handle.k === 'command' && (await this.deps.claimOriginal(handle.i));
      const sent = (
        original
          ? await this.deps.rest.patch(Routes.webhookMessage(handle.a, handle.t, '@original'), {
              body,
              auth: false,
            })
          : await this.deps.rest.post(Routes.webhook(handle.a, handle.t), {
              body: { ...body, ...(handle.e ? { flags: 64 } : {}) },
              auth: false,
            })
      ) as { id?: string };
      return { messageId: sent.id ?? `${handle.i}:${i}` };
    });
    return this.resumable.run(outboxId, steps);
  }
}
