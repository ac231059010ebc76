import { Agent } from 'node:http';
import { Telegraf } from 'telegraf';
import type { Message } from 'telegraf/types';
import type { Config } from '../../src/config.ts';
import type { Capabilities, EventSink, PlatformAdapter } from '../../src/core/adapter.ts';
import { PermanentError } from '../../src/core/errors.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import type { Logger } from '../../src/core/log.ts';
import type { OutboundMessage, SendResult } from '../../src/core/outbound.ts';
import { splitText } from '../../src/core/split-text.ts';
import type { HttpMount, HttpMountable } from '../../src/http/routes.ts';
import { RecordingRetry } from '../record-retry.ts';
import { telegramDescription, toCoreError } from './errors.ts';
import { UpdateHandling } from './handling.ts';
import { type BotIdentity, normaliseUpdate } from './normalise.ts';
import { CallbackCodec, clip, inlineKeyboard, pollParts, TELEGRAM_LIMITS } from './render.ts';
import { webhookHandler, webhookPath } from './webhook.ts';

/**
 * Telegram's limits: ~30 messages/s across chats, 1/s in one chat (groups: 20/min, which the
 * per-chat 1/s does not fully cover: a 429 from a busy group makes the outbox wait as told).
 * Non-anonymous native polls work in groups (votes arrive as poll_answer); channels need anonymous
 * polls, which the adapter falls back to by itself.
 */
export const TELEGRAM_CAPABILITIES: Capabilities = {
  buttons: true,
  nativePolls: true,
  nativePollsAnonymousInGroups: false,
  threads: true,
  editMessages: true,
  files: true,
  blocks: false,
  maxTextLength: TELEGRAM_LIMITS.text,
  maxMessagesPerSecond: 30,
  maxMessagesPerSecondPerChat: 1,
};

/** The update types Hearth asks Telegram for. */
export const ALLOWED_UPDATES = [
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'callback_query',
  'poll_answer',
  'my_chat_member',
] as const;

export interface TelegramAdapterOptions {
  token: string;
  /** Bot API base URL (a fake in tests, a local Bot API server, default https://api.telegram.org). */
  apiRoot?: string;
  /** Webhook mode: Telegram posts to `url`, with `secret` in X-Telegram-Bot-Api-Secret-Token. */
  webhook?: { url: string; secret?: string };
  log: Logger;
  /** Long polling: waits between attempts to record an update (record-retry.ts). */
  recordRetriesMs?: readonly number[];
}

const ADMIN_TTL_MS = 60_000;
/** Long polling: how many received events may be in handling before the next batch is fetched. */
const MAX_IN_FLIGHT = 1000;

/** Telegram through telegraf: long polling by default, a webhook on Hearth's HTTP server if configured. */
export class TelegramAdapter implements PlatformAdapter, HttpMountable {
  readonly platform = 'telegram' as const;
  readonly capabilities = TELEGRAM_CAPABILITIES;
  readonly bot: Telegraf;
  private readonly codec = new CallbackCodec();
  private readonly log: Logger;
  private readonly admins = new Map<string, { admin: boolean; until: number }>();
  /** Steps already done of multi-message sends, by outbox id: a retry resumes where it failed. */
  private readonly progress = new Map<string, number>();
  private readonly handling = new UpdateHandling();
  private me: BotIdentity | undefined;
  private sink: EventSink | undefined;
  private polling: Promise<void> | undefined;
  private receiving = false;
  private recording: RecordingRetry | undefined;

  constructor(private readonly options: TelegramAdapterOptions) {
    this.log = options.log;
    this.bot = new Telegraf(options.token, {
      telegram: { ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}), webhookReply: false },
      // Long polling: onUpdate returns once the update is recorded, however long the database is
      // down; a timeout would let telegraf confirm it unrecorded. A webhook answers Telegram in time.
      handlerTimeout: options.webhook ? 120_000 : Number.POSITIVE_INFINITY,
    });
    // telegraf drops its keep-alive agent for http:// roots (a local Bot API server, the tests' fake).
    if (options.apiRoot?.startsWith('http://'))
      this.bot.telegram.options.agent = new Agent({ keepAlive: true });
    this.bot.use((ctx) => this.onUpdate(ctx.update));
    this.bot.catch((error) => {
      this.log.error({ err: error }, 'telegram: update handling failed');
      if (this.options.webhook) throw error;
    });
  }

  /** The bot as getMe described it; known once started. */
  get identity(): BotIdentity | undefined {
    return this.me;
  }

  mount(http: HttpMount): void {
    const hook = this.options.webhook;
    if (!hook?.secret) return;
    http.raw(
      'POST',
      webhookPath(hook.url),
      webhookHandler({
        secret: hook.secret,
        log: this.log,
        ready: () => this.receiving,
        handle: async (update) => {
          // telegraf builds its context before any check: give it only update-shaped objects.
          if (
            typeof update !== 'object' ||
            update === null ||
            !Number.isSafeInteger((update as { update_id?: unknown }).update_id)
          ) {
            this.log.debug('telegram: webhook body is not an update; ignored');
            return;
          }
          await this.handling.track(this.bot.handleUpdate(update as never));
        },
      }),
    );
  }

  async start(sink: EventSink): Promise<void> {
    this.sink = sink;
    const hook = this.options.webhook;
    if (hook && !hook.secret) {
      throw new Error(
        'TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: set a secret (1-256 of A-Z a-z 0-9 _ -) so forged updates are refused',
      );
    }
    const me = await this.bot.telegram.getMe();
    this.bot.botInfo = me;
    this.me = { id: me.id, username: me.username };
    if (hook) {
      await this.bot.telegram.setWebhook(hook.url, {
        allowed_updates: [...ALLOWED_UPDATES],
        ...(hook.secret ? { secret_token: hook.secret } : {}),
      });
      this.receiving = true;
      this.log.info({ path: webhookPath(hook.url), bot: me.username }, 'telegram: receiving by webhook');
      return;
    }
    this.receiving = true;
    this.recording = new RecordingRetry(this.log, 'telegram', this.options.recordRetriesMs);
    this.polling = this.bot.launch({ allowedUpdates: [...ALLOWED_UPDATES] }).catch((error: unknown) => {
      this.receiving = false;
      this.log.error({ err: error }, 'telegram: long polling stopped with an error');
    });
    this.log.info({ bot: me.username }, 'telegram: receiving by long polling');
  }

  async stop(): Promise<void> {
    const wasReceiving = this.receiving;
    this.receiving = false;
    this.recording?.stop();
    if (this.polling && wasReceiving) {
      // launch() starts polling after getMe/deleteWebhook; stop() throws until then.
      for (let i = 0; i < 100; i++) {
        try {
          this.bot.stop('hearth stopping');
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      // Polling ends once its batch has; a batch with an update given back never ends, so that
      // telegraf does not confirm it (Telegram redelivers it to the next start).
      await Promise.race([this.polling, this.recording?.givenBack ?? this.polling]);
    }
    await this.handling.settled();
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    try {
      return await this.deliver(message);
    } catch (error) {
      throw toCoreError(error);
    }
  }

  /**
   * telegraf's long polling fetches the next batch once every update of the last one has returned
   * from here. Each returns once its event is recorded (a redelivery would be dropped as a duplicate
   * from then on, so acknowledging it loses nothing the batch-end acknowledgement would keep); its
   * handling goes on, so one slow handler no longer holds up the batches behind it. At most
   * MAX_IN_FLIGHT events are being handled at once. A webhook answers once the event is handled.
   */
  private async onUpdate(update: unknown): Promise<void> {
    const me = this.me;
    if (!me) return;
    const result = normaliseUpdate(update, me, this.codec);
    if (result.callbackQueryId) this.answerCallback(result.callbackQueryId, result.answerText);
    if ('ignored' in result) {
      const updateId = (update as { update_id?: unknown } | null)?.update_id;
      this.log.debug({ updateId }, `telegram: update ignored: ${result.ignored}`);
      return;
    }
    const { adminCheck } = result;
    let givenBack = false;
    let recorded = () => {};
    const acknowledged = new Promise<void>((resolve) => {
      recorded = resolve;
    });
    const handled = this.handling.inChatOrder(result.event.address.chatId, async () => {
      let event = result.event;
      if (adminCheck) {
        const isAdmin = await this.isAdmin(adminCheck.chatId, adminCheck.userId);
        event = { ...event, sender: { ...event.sender, isAdmin } };
      }
      givenBack = !(await this.dispatch(event, recorded));
    });
    if (this.options.webhook) return handled;
    void this.handling.track(
      handled.catch((error: unknown) =>
        this.log.error({ err: error, id: result.event.id }, 'telegram: update handling failed'),
      ),
    );
    await Promise.race([acknowledged, handled.catch(() => {})]);
    if (givenBack) return new Promise<never>(() => {}); // never confirmed: see stop()
    await this.handling.roomFor(MAX_IN_FLIGHT);
  }

  /**
   * Webhook: a failure propagates (Telegram redelivers on a 500). Long polling cannot refuse an
   * update: one the core could not record (database down) is tried again until it is (see
   * record-retry.ts). False when it was given back unrecorded at stop.
   */
  private async dispatch(event: InboundEvent, recorded: () => void): Promise<boolean> {
    const sink = this.sink;
    if (!sink) return true;
    if (this.options.webhook || !this.recording) {
      await sink(event);
      return true;
    }
    const done = await this.recording.run(event.id, async () => {
      await sink(event, { recorded });
    });
    if (!done)
      this.log.warn({ id: event.id }, 'telegram: stopping; an unrecorded update is left to redeliver');
    return done;
  }

  private answerCallback(id: string, text?: string): void {
    this.bot.telegram
      .answerCbQuery(id, text)
      .catch((error: unknown) => this.log.debug({ err: error }, 'telegram: answerCallbackQuery failed'));
  }

  /** Whether a user administers a group (getChatMember, remembered for a minute). */
  private async isAdmin(chatId: number, userId: number): Promise<boolean> {
    const key = `${chatId}/${userId}`;
    const known = this.admins.get(key);
    if (known && known.until > Date.now()) return known.admin;
    try {
      const member = await this.bot.telegram.getChatMember(chatId, userId);
      const admin = member.status === 'creator' || member.status === 'administrator';
      if (this.admins.size > 5000) this.admins.clear();
      this.admins.set(key, { admin, until: Date.now() + ADMIN_TTL_MS });
      return admin;
    } catch (error) {
      this.log.warn({ err: error, chatId, userId }, 'telegram: could not check chat admin; assuming not');
      return false;
    }
  }

  private async deliver(message: OutboundMessage): Promise<SendResult> {
    const tg = this.bot.telegram;
    const chatId = message.to.chatId;
    const thread = message.to.threadId ? { message_thread_id: Number(message.to.threadId) } : {};
    const markup = message.buttons?.length
      ? { reply_markup: { inline_keyboard: inlineKeyboard(message.buttons, this.codec) } }
      : {};
    const text = message.text ?? '';
    const sendText =
      (piece: string, extra: object = {}) =>
      async (): Promise<SendResult> => {
        const sent = await tg.sendMessage(chatId, piece, { ...thread, ...extra });
        return { messageId: String(sent.message_id) };
      };

    if (message.editMessageId) {
      const messageId = message.editMessageId;
      await ignoring('message is not modified', () =>
        tg.editMessageText(chatId, Number(messageId), undefined, clip(text, TELEGRAM_LIMITS.text), markup),
      );
      return { messageId };
    }
    const steps: (() => Promise<SendResult>)[] = [];
    const pieces = text.trim() ? splitText(text, TELEGRAM_LIMITS.text) : [];
    if (message.stopPoll) {
      const pollMessageId = message.stopPoll.messageId;
      steps.push(async () => {
        await ignoring('poll has already been closed', () => tg.stopPoll(chatId, Number(pollMessageId)));
        return { messageId: pollMessageId };
      });
      for (const piece of pieces) steps.push(sendText(piece));
    } else if (message.poll) {
      const poll = message.poll;
      const { question, options } = pollParts(poll);
      if (text.trim() && text.trim() !== poll.question.trim())
        for (const piece of pieces) steps.push(sendText(piece));
      steps.push(() => this.sendPoll(chatId, question, options, poll, { ...thread, ...markup }));
    } else if (message.file) {
      const file = message.file;
      const captioned = text.length <= TELEGRAM_LIMITS.caption;
      if (!captioned) for (const piece of pieces) steps.push(sendText(piece));
      steps.push(async () => {
        const source = Buffer.from(file.contentBase64, 'base64');
        const sent = await tg.sendDocument(
          chatId,
          { source, filename: file.name },
          { ...thread, ...markup, ...(captioned && text ? { caption: text } : {}) },
        );
        return { messageId: String(sent.message_id) };
      });
    } else {
      if (pieces.length === 0) throw new PermanentError('telegram: nothing to send (empty text)');
      pieces.forEach((piece, i) => {
        steps.push(sendText(piece, i === pieces.length - 1 ? markup : {}));
      });
    }
    return this.runSteps(message.id, steps);
  }

  private async sendPoll(
    chatId: string,
    question: string,
    options: string[],
    poll: { anonymous: boolean; multi: boolean },
    extra: object,
  ): Promise<SendResult> {
    const send = (anonymous: boolean) =>
      this.bot.telegram.sendPoll(chatId, question, options, {
        ...extra,
        is_anonymous: anonymous,
        allows_multiple_answers: poll.multi,
      });
    let sent: Message.PollMessage;
    try {
      sent = await send(poll.anonymous);
    } catch (error) {
      if (poll.anonymous || !telegramDescription(error).includes('non-anonymous polls')) throw error;
      sent = await send(true); // channels only take anonymous polls
    }
    return { messageId: String(sent.message_id), nativePollId: sent.poll.id };
  }

  /** Runs the steps of one send, skipping those a previous attempt of the same outbox row did. */
  private async runSteps(id: string, steps: (() => Promise<SendResult>)[]): Promise<SendResult> {
    const done = this.progress.get(id) ?? 0;
    let result: SendResult | undefined;
    for (let i = done; i < steps.length; i++) {
      const step = steps[i];
      if (!step) continue;
      result = await step();
      if (i < steps.length - 1) {
        if (this.progress.size > 10_000) this.progress.clear();
        this.progress.set(id, i + 1);
      }
    }
    this.progress.delete(id);
    if (!result) throw new PermanentError('telegram: nothing to send');
    return result;
  }
}

/** Runs a call, treating a 400 whose description contains `harmless` as success. */
async function ignoring(harmless: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!telegramDescription(error).includes(harmless)) throw error;
  }
}

/** Null unless TELEGRAM_BOT_TOKEN is set; TELEGRAM_WEBHOOK_URL switches to webhook mode. */
export function createTelegramAdapter(config: Config, log: Logger): TelegramAdapter | null {
  if (!config.TELEGRAM_BOT_TOKEN) return null;
  return new TelegramAdapter({
    token: config.TELEGRAM_BOT_TOKEN,
    log,
    ...(config.TELEGRAM_API_ROOT ? { apiRoot: config.TELEGRAM_API_ROOT } : {}),
    ...(config.TELEGRAM_WEBHOOK_URL
      ? {
          webhook: {
            url: config.TELEGRAM_WEBHOOK_URL,
            ...(config.TELEGRAM_WEBHOOK_SECRET ? { secret: config.TELEGRAM_WEBHOOK_SECRET } : {}),
          },
        }
      : {}),
  });
}
