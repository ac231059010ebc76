import { setTimeout as sleep } from 'node:timers/promises';
import { Telegraf } from 'telegraf';
import type { Message } from 'telegraf/types';
import type { AdapterContext, Capabilities, LeaderRole, PlatformAdapter } from '../../src/core/adapter.ts';
import { PermanentError } from '../../src/core/errors.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import { EventsInHand } from '../../src/core/events-in-hand.ts';
import type { Logger } from '../../src/core/log.ts';
import type { OutboundMessage, SendResult } from '../../src/core/outbound.ts';
import type { InboundReceiver, Receipt } from '../../src/core/receiver.ts';
import { splitText } from '../../src/core/split-text.ts';
import type { HttpMount, HttpMountable } from '../../src/http/routes.ts';
import { departureAgent, departureSignal } from '../request-departures.ts';
import { ResumableSends } from '../send-steps.ts';
import { ChatAdmins } from './chat-admins.ts';
import { telegramDescription, toCoreError } from './errors.ts';
import { TELEGRAM_CAPABILITIES } from './module.ts';
import { type BotIdentity, type Normalized, normalizeUpdate } from './normalize.ts';
import { CallbackCodec, clip, inlineKeyboard, pollParts, TELEGRAM_LIMITS } from './render.ts';
import { webhookHandler, webhookPath } from './webhook.ts';

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
}

/** After losing the polling role, how long to wait for telegraf's last batch before moving on. */
const POLLING_STOP_WAIT_MS = 2_000;

/** Telegram through telegraf: long polling by default, a webhook on Hearth's HTTP server if configured. */
export class TelegramAdapter implements PlatformAdapter, HttpMountable {
  readonly platform = 'telegram' as const;
  /** Once the bot's username is known (at start), with deep links (`t.me/<bot>?start=<payload>`) for invites. */
  capabilities: Capabilities = TELEGRAM_CAPABILITIES;
  readonly bot: Telegraf;
  private readonly codec = new CallbackCodec();
  private readonly log: Logger;
  private readonly admins: ChatAdmins;
  /** Updates being handed to the receiver, in their chat's order (admin checks included). */
  private readonly handingOver = new EventsInHand();
  /** Steps already done of multi-message sends, by outbox id: a retry resumes where it failed. */
  private readonly resumable = new ResumableSends('telegram');
  /** Webhook updates in telegraf's hands (stop() waits for them). */
  private readonly webhookUpdates = new Set<Promise<unknown>>();
  private me: BotIdentity | undefined;
  private receiver: InboundReceiver | undefined;
  private pollingRole: LeaderRole | undefined;
  /** Set by stop(): resolves once the receiver gave back what it could not record and drained. */
  private receiverStopped: Promise<void> | undefined;
  /** Resolves when an update was given back unrecorded: its batch never ends (see poll()). */
  private readonly givenBack = resolvable();
  private receiving = false;

  constructor(private readonly options: TelegramAdapterOptions) {
    this.log = options.log;
    this.bot = new Telegraf(options.token, {
      telegram: { ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}), webhookReply: false },
      // Long polling: onUpdate returns once the update is recorded, however long the database is
      // down; a timeout would let telegraf confirm it unrecorded. A webhook answers Telegram in time.
      handlerTimeout: options.webhook ? 120_000 : Number.POSITIVE_INFINITY,
    });
    // A keep-alive agent as telegraf's own (which it drops for http:// roots: a local Bot API
    // server, the tests' fake), that also sees each request made, for the departure reports.
    this.bot.telegram.options.agent = departureAgent(
      options.apiRoot?.startsWith('http://') ? 'http:' : 'https:',
    );
    this.admins = new ChatAdmins(this.bot.telegram, this.log);
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
          const handled = this.bot.handleUpdate(update as never);
          this.webhookUpdates.add(handled);
          await handled.finally(() => this.webhookUpdates.delete(handled));
        },
      }),
    );
  }

  async start(context: AdapterContext): Promise<void> {
    this.receiver = context.receiver;
    const hook = this.options.webhook;
    if (hook && !hook.secret) {
      throw new Error(
        'TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: set a secret (1-256 of A-Z a-z 0-9 _ -) so forged updates are refused',
      );
    }
    const me = await this.bot.telegram.getMe();
    this.bot.botInfo = me;
    this.me = { id: me.id, username: me.username };
    this.capabilities = { ...this.capabilities, startLink: `https://t.me/${me.username}?start=` };
    if (hook) {
      await this.bot.telegram.setWebhook(hook.url, {
        allowed_updates: [...ALLOWED_UPDATES],
        ...(hook.secret ? { secret_token: hook.secret } : {}),
      });
      this.receiving = true;
      this.log.info({ path: webhookPath(hook.url), bot: me.username }, 'telegram: receiving by webhook');
      return;
    }
    // Telegram answers a second poller with 409: one instance polls, another takes over if it dies.
    this.pollingRole = context.asLeader('polling', (signal) => this.poll(signal));
    this.log.info(
      { bot: me.username },
      'telegram: receiving by long polling (in the instance holding the role)',
    );
  }

  /** Long polling while this instance holds the role; returns once polling stopped after `signal`. */
  private async poll(signal: AbortSignal): Promise<void> {
    this.receiving = true;
    const polling = this.bot.launch({ allowedUpdates: [...ALLOWED_UPDATES] });
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    try {
      await Promise.race([polling, aborted]);
    } finally {
      this.receiving = false;
      await this.stopTelegraf();
    }
    // Polling ends once its batch has. A batch holding an update not recorded yet (the database is
    // down) does not end, so telegraf never confirms that update: Telegram redelivers it.
    const waitLonger = this.receiverStopped ? this.givenBack.promise : sleep(POLLING_STOP_WAIT_MS);
    await Promise.race([polling.catch(() => {}), waitLonger]);
  }

  /** Asks telegraf to stop polling; launch() only starts polling after getMe/deleteWebhook. */
  private async stopTelegraf(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      try {
        this.bot.stop('hearth stopping');
        return;
      } catch {
        await sleep(20);
      }
    }
  }

  async stop(): Promise<void> {
    // First the receiver: events still waiting to be recorded (database down) are given back...
    this.receiverStopped = this.receiver?.stop();
    // ...then polling ends (see poll()), and with it this instance's hold on the role.
    await this.pollingRole?.stop();
    await this.receiverStopped;
    this.receiving = false;
    await Promise.allSettled([...this.webhookUpdates]);
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    try {
      // Each Bot API request reports the moment it leaves (Hearth records the departure then).
      const tg = message.onDeparture
        ? reportingDepartures(this.bot.telegram, message.onDeparture)
        : this.bot.telegram;
      return await this.deliver(message, tg);
    } catch (error) {
      throw toCoreError(error);
    }
  }

  /**
   * telegraf's long polling fetches the next batch once every update of the last one has returned
   * from here. Each returns once the receiver has its event recorded (a redelivery would be dropped
   * as a duplicate from then on) and has room for more; its handling goes on, so one slow handler
   * does not hold up the batches behind it. An update given back unrecorded (stopping while the
   * database is down) never returns, so telegraf never confirms it. A webhook answers once the event
   * is handled, and 500 when it could not be recorded (Telegram redelivers).
   */
  private async onUpdate(update: unknown): Promise<void> {
    const me = this.me;
    const receiver = this.receiver;
    if (!me || !receiver) return;
    const result = normalizeUpdate(update, me, this.codec);
    if (result.callbackQueryId) this.answerCallback(result.callbackQueryId, result.answerText);
    if ('ignored' in result) {
      const updateId = (update as { update_id?: unknown } | null)?.update_id;
      this.log.debug({ updateId }, `telegram: update ignored: ${result.ignored}`);
      return;
    }
    // A batch's updates are handled at once: a slow admin check must not let its chat's next update
    // overtake it. Only the hand-over is in order here; recording and handling go on in the receiver.
    const receipt = await this.handingOver.inChatOrder(result.event.address.chatId, () =>
      this.handOver(result, receiver),
    );
    if (this.options.webhook) {
      if (!(await receipt.recorded)) throw new Error(`telegram: update ${result.event.id} not recorded`);
      await receipt.handled;
      return;
    }
    if (!(await receipt.recorded)) {
      this.givenBack.resolve();
      return new Promise<never>(() => {}); // never confirmed: see poll()
    }
    await receiver.room();
  }

  private answerCallback(id: string, text?: string): void {
    this.bot.telegram
      .answerCbQuery(id, text)
      .catch((error: unknown) => this.log.debug({ err: error }, 'telegram: answerCallbackQuery failed'));
  }

  /**
   * Hands an event to the receiver, its sender's admin rights checked first when it needs them.
   * When Telegram fails the check for now, a webhook throws (answered 500, redelivered); polling
   * hands the event over with the rights unknown (the core asks the sender to try again).
   */
  private async handOver(
    result: Extract<Normalized, { event: InboundEvent }>,
    receiver: InboundReceiver,
  ): Promise<Receipt> {
    let event = result.event;
    const webhook = this.options.webhook !== undefined;
    if (result.adminCheck) {
      const { chatId, userId } = result.adminCheck;
      const mode = { throwTransient: webhook, stopping: () => receiver.stopped };
      const admin = await this.admins.isAdmin(chatId, userId, mode);
      // Unknown: the core asks the sender to try again (while stopping, the receiver gives the event
      // back unrecorded and Telegram redelivers it).
      event = { ...event, sender: { ...event.sender, isChatAdmin: admin ?? 'unknown' } };
    }
    return receiver.receive(event, webhook ? { retry: false } : {});
  }

  private async deliver(message: OutboundMessage, tg: TelegramClient): Promise<SendResult> {
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
      await message.beforeRequest?.();
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
      steps.push(() => this.sendPoll(tg, chatId, question, options, poll, { ...thread, ...markup }));
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
    return this.resumable.run(message.id, steps, message.beforeRequest);
  }

  private async sendPoll(
    tg: TelegramClient,
    chatId: string,
    question: string,
    options: string[],
    poll: { anonymous: boolean; multi: boolean },
    extra: object,
  ): Promise<SendResult> {
    const send = (anonymous: boolean) =>
      tg.sendPoll(chatId, question, options, {
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
}

/** Runs a call, treating a 400 whose description contains `harmless` as success. */
async function ignoring(harmless: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!telegramDescription(error).includes(harmless)) throw error;
  }
}

/** A promise with its resolve function. */
function resolvable(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

type TelegramClient = Telegraf['telegram'];
type CallApiSignal = NonNullable<Parameters<TelegramClient['callApi']>[2]>['signal'];

/**
 * A view of telegraf's client whose every Bot API call reports its departure (a fresh
 * `departureSignal` per call). Its methods (sendMessage, ...) call `this.callApi`, so they go
 * through the view; the bot's own client is left untouched.
 */
function reportingDepartures(tg: TelegramClient, departed: () => void): TelegramClient {
  const callApi: TelegramClient['callApi'] = (method, payload, options) =>
    tg.callApi(method, payload, {
      ...options,
      // telegraf types the signal as the abort-controller package's; node-fetch takes Node's own.
      signal: departureSignal(departed) as unknown as CallApiSignal,
    });
  return Object.create(tg, { callApi: { value: callApi } }) as TelegramClient;
}
