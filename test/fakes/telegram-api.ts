/**
 * A fake Telegram Bot API server on 127.0.0.1, for tests and benchmarks that drive the REAL telegraf.
 *
 *   const fake = await FakeTelegramApi.start();
 *   const bot = new Telegraf(TOKEN, { telegram: { apiRoot: fake.url, webhookReply: false } });
 *
 * - Any token `<digits>:<text>` is a bot of its own (id = the digits, username `options.username`),
 *   with its own update queue and webhook; several bots may share one fake.
 * - `calls` records every API call ({token, method, body, status, at}); `sent(chatId?)` lists what
 *   reached chats (sendMessage, sendPoll, sendDocument; edits are in `calls`). `waitFor` polls a predicate.
 * - Updates: `pushUpdate(token, ...updates)` queues them for getUpdates (a long poll is held until one
 *   arrives; `offset` confirms as Telegram does). `deliverWebhook(token, update)` posts to the URL and
 *   secret the bot set with setWebhook; `postUpdate(url, update, secret?)` posts anywhere.
 * - Failures: `failNext(failure, {method?, chatId?, skip?})` fails the next matching call once (429 with retry_after,
 *   403 blocked / deactivated, 400 chat not found, 5xx, a slow answer, or one performed at once but answered late); `setChatFailure(chatId, f)`
 *   fails every send to a chat; `setLatency(ms)` slows every answer (a request whose client closed
 *   meanwhile is dropped unseen); `setRateLimit({perSecond,
 *   perChatPerSecond?, retryAfterSeconds?})` answers 429 to sends over a sliding one-second window.
 * - `setChatMember(chatId, userId, status)` answers getChatMember (default status 'member').
 * - `stats()` counts sends, 429s and failures. `close()` ends held polls and closes the server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  ApiError,
  botInfo,
  chatOf,
  confirmBelow,
  confirmedBelow,
  enqueueInOrder,
  type FailureFilter,
  type FakeFailure,
  failureAnswer,
  nowSeconds,
  parseMaybeJson,
  pollOf,
  postJson,
  prune,
  type RecordedCall,
  readBody,
  reply,
  SEND_METHODS,
  type SentMessage,
  sleep,
  type Update,
  waitUntil,
} from './telegram-api-wire.ts';

export type { FailureFilter, FakeFailure, RecordedCall, SentMessage } from './telegram-api-wire.ts';
export { SEND_METHODS } from './telegram-api-wire.ts';

interface BotState {
  queue: Update[];
  nextUpdateId: number;
  waiters: Set<() => void>;
  webhook?: { url: string; secret?: string };
  /** The getUpdates request being held now: a second poller terminates it with 409, as Telegram does. */
  polling?: { res: ServerResponse; terminate: () => void };
}

const TOKEN_PATH = /^\/bot(\d+:[^/]+)\/(\w+)$/;

export class FakeTelegramApi {
  readonly calls: RecordedCall[] = [];
  private readonly sentMessages: SentMessage[] = [];
  private readonly bots = new Map<string, BotState>();
  private readonly failures: { failure: FakeFailure; filter: FailureFilter }[] = [];
  private readonly chatFailures = new Map<string, FakeFailure>();
  private readonly members = new Map<string, string>();
  private readonly messageIds = new Map<string, number>();
  private readonly sendTimes: number[] = [];
  private readonly chatSendTimes = new Map<string, number[]>();
  private rateLimit: { perSecond: number; perChatPerSecond?: number; retryAfterSeconds: number } | undefined;
  private latencyMs = 0;
  private pollIds = 0;
  private readonly counters = { sends: 0, rateLimited: 0, failed: 0, conflicts: 0 };
  /** When each send was refused for the configured rate (ms since the epoch). */
  readonly rateLimitedAt: number[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly username: string,
    private readonly now: () => number,
  ) {}

  /** Starts the fake on a free loopback port. `now` drives the rate-limit window (default Date.now). */
  static async start(options: { username?: string; now?: () => number } = {}): Promise<FakeTelegramApi> {
    let fake: FakeTelegramApi | undefined;
    const server = createServer((req, res) => {
      void fake?.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    fake = new FakeTelegramApi(
      server,
      `http://127.0.0.1:${port}`,
      options.username ?? 'hearth_test_bot',
      options.now ?? Date.now,
    );
    return fake;
  }

  /** Queues updates for getUpdates; missing update_ids are numbered in order. Returns the ids. */
  pushUpdate(token: string, ...updates: Update[]): number[] {
    const bot = this.bot(token);
    const ids: number[] = [];
    for (const update of updates) {
      const id = update.update_id ?? bot.nextUpdateId;
      bot.nextUpdateId = Math.max(bot.nextUpdateId, id + 1);
      enqueueInOrder(bot.queue, { ...update, update_id: id });
      ids.push(id);
    }
    for (const wake of bot.waiters) wake();
    return ids;
  }

  /** Posts an update to the webhook the bot set (with its secret), as Telegram would. */
  async deliverWebhook(token: string, update: Update): Promise<{ status: number; text: string }> {
    const hook = this.bot(token).webhook;
    if (!hook) throw new Error('no webhook set for this bot');
    return this.postUpdate(hook.url, update, hook.secret);
  }

  /** Posts an update to any URL, with `X-Telegram-Bot-Api-Secret-Token` when `secret` is given. */
  postUpdate(url: string, update: unknown, secret?: string): Promise<{ status: number; text: string }> {
    return postJson(url, update, secret);
  }

  /** The webhook the bot registered with setWebhook, if any. */
  webhookOf(token: string): { url: string; secret?: string } | undefined {
    return this.bot(token).webhook;
  }

  failNext(failure: FakeFailure, filter: FailureFilter = {}): void {
    this.failures.push({ failure, filter });
  }

  /** Fails every send to `chatId` (e.g. a user who blocked the bot); null clears it. */
  setChatFailure(chatId: string | number, failure: FakeFailure | null): void {
    if (failure) this.chatFailures.set(String(chatId), failure);
    else this.chatFailures.delete(String(chatId));
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  setRateLimit(
    limit: { perSecond: number; perChatPerSecond?: number; retryAfterSeconds?: number } | null,
  ): void {
    this.rateLimit = limit ? { retryAfterSeconds: 1, ...limit } : undefined;
  }

  setChatMember(chatId: string | number, userId: string | number, status: string): void {
    this.members.set(`${chatId}/${userId}`, status);
  }

  /** What reached chats, oldest first; only `chatId`'s when given. */
  sent(chatId?: string | number): SentMessage[] {
    return chatId === undefined
      ? [...this.sentMessages]
      : this.sentMessages.filter((m) => m.chatId === String(chatId));
  }

  stats(): { sends: number; rateLimited: number; failed: number; conflicts: number; calls: number } {
    return { ...this.counters, calls: this.calls.length };
  }

  /** The highest getUpdates offset asked for: every update below it is confirmed (0: none yet). */
  confirmedBelow(): number {
    return confirmedBelow(this.calls);
  }

  /** Forgets recorded calls and messages (not queues, failures or settings). */
  clearRecords(): void {
    this.calls.length = 0;
    this.sentMessages.length = 0;
  }

  /** Resolves once `predicate` holds (checked every 10 ms); rejects after `timeoutMs`. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
    return waitUntil(predicate, timeoutMs, `fake telegram: ${what}`);
  }

  async close(): Promise<void> {
    for (const bot of this.bots.values()) for (const wake of bot.waiters) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private bot(token: string): BotState {
    let bot = this.bots.get(token);
    if (!bot) {
      bot = { queue: [], nextUpdateId: 1, waiters: new Set() };
      this.bots.set(token, bot);
    }
    return bot;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = TOKEN_PATH.exec((req.url ?? '').split('?')[0] ?? '');
    const body = await readBody(req);
    if (!match?.[1] || !match[2])
      return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match;
    const call: RecordedCall = { token, method, body, status: 200, at: this.now() };
    this.calls.push(call);
    const answer = (status: number, payload: unknown) => {
      call.status = status;
      reply(res, status, payload);
    };
    if (this.latencyMs > 0) {
      let gone = false;
      res.once('close', () => {
        gone = !res.writableEnded;
      });
      await sleep(this.latencyMs);
      // The client gave up (or died) before the request got through: Telegram never saw it.
      if (gone || res.destroyed) return;
    }
    const failure = this.takeFailure(method, body);
    if (failure?.kind === 'slow') await sleep(failure.ms);
    else if (failure && failure.kind !== 'late-answer') return this.fail(failure, answer, res, call);
    if (SEND_METHODS.has(method)) {
      const limited = this.overRateLimit(String(body.chat_id));
      if (limited) {
        this.counters.rateLimited += 1;
        this.rateLimitedAt.push(this.now());
        return answer(429, {
          ok: false,
          error_code: 429,
          description: `Too Many Requests: retry after ${limited}`,
          parameters: { retry_after: limited },
        });
      }
      this.counters.sends += 1;
    }
    const result = await this.perform(token, method, body, res);
    if (failure?.kind === 'late-answer') await sleep(failure.ms);
    if (result === undefined) return; // the long poll ended with the connection
    if (result instanceof ApiError) return answer(result.status, result.payload);
    answer(200, { ok: true, result });
  }

  private takeFailure(method: string, body: Record<string, unknown>): FakeFailure | undefined {
    const chatId = body.chat_id === undefined ? undefined : String(body.chat_id);
    const index = this.failures.findIndex(({ filter }) => {
      const methodOk = filter.method ? filter.method === method : SEND_METHODS.has(method);
      const matches = methodOk && (filter.chatId === undefined || String(filter.chatId) === chatId);
      if (matches && filter.skip) {
        filter.skip -= 1;
        return false;
      }
      return matches;
    });
    if (index >= 0) return this.failures.splice(index, 1)[0]?.failure;
    if (chatId !== undefined && SEND_METHODS.has(method)) return this.chatFailures.get(chatId);
    return undefined;
  }

  private fail(
    failure: Exclude<FakeFailure, { kind: 'slow' | 'late-answer' }>,
    answer: (status: number, payload: unknown) => void,
    res: ServerResponse,
    call: RecordedCall,
  ): void {
    this.counters.failed += 1;
    if (failure.kind === 'rate-limited') this.counters.rateLimited += 1;
    const { status, payload } = failureAnswer(failure);
    if (typeof payload === 'object') {
      answer(status, payload);
      return;
    }
    call.status = status;
    res.writeHead(status, { 'content-type': 'text/html' }).end(payload);
  }

  /** Seconds to wait when a send now would exceed the configured rate; 0 when it may go. */
  private overRateLimit(chatId: string): number {
    const limit = this.rateLimit;
    if (!limit) return 0;
    const now = this.now();
    prune(this.sendTimes, now);
    if (this.sendTimes.length >= limit.perSecond) return limit.retryAfterSeconds;
    if (limit.perChatPerSecond !== undefined) {
      const times = this.chatSendTimes.get(chatId) ?? [];
      prune(times, now);
      if (times.length >= limit.perChatPerSecond) return limit.retryAfterSeconds;
      times.push(now);
      this.chatSendTimes.set(chatId, times);
    }
    this.sendTimes.push(now);
    return 0;
  }

  private async perform(
    token: string,
    method: string,
    body: Record<string, unknown>,
    res: ServerResponse,
  ): Promise<unknown> {
    const bot = this.bot(token);
    switch (method) {
      case 'getMe':
        return botInfo(token, this.username);
      case 'getUpdates':
        return this.getUpdates(bot, body, res);
      case 'setWebhook':
        bot.webhook = {
          url: String(body.url),
          ...(body.secret_token ? { secret: String(body.secret_token) } : {}),
        };
        return true;
      case 'deleteWebhook':
        bot.webhook = undefined;
        if (body.drop_pending_updates) bot.queue.length = 0;
        return true;
      case 'getWebhookInfo':
        return {
          url: bot.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: bot.queue.length,
        };
      case 'answerCallbackQuery':
      case 'setMyCommands':
      case 'deleteMessage':
        return true;
      case 'getChatMember': {
        const status = this.members.get(`${body.chat_id}/${body.user_id}`) ?? 'member';
        return { status, user: { id: Number(body.user_id), is_bot: false, first_name: 'User' } };
      }
      case 'getChat':
        return chatOf(body.chat_id);
      case 'sendMessage':
      case 'sendDocument':
      case 'sendPhoto':
        return this.record(method, body, { text: String(body.text ?? body.caption ?? '') });
      case 'sendPoll': {
        const pollId = `poll-${++this.pollIds}`;
        const message = this.record(method, body, { text: String(body.question ?? ''), pollId });
        return { ...message, poll: pollOf(pollId, body) };
      }
      case 'stopPoll':
        return { ...pollOf('stopped', { question: '', options: [] }), is_closed: true };
      case 'editMessageText':
        return {
          message_id: Number(body.message_id),
          date: nowSeconds(),
          chat: chatOf(body.chat_id),
          text: body.text,
        };
      default:
        return new ApiError(404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
  }

  private async getUpdates(
    bot: BotState,
    body: Record<string, unknown>,
    res: ServerResponse,
  ): Promise<unknown> {
    const held = bot.polling;
    if (held) {
      await new Promise((r) => setTimeout(r, 10)); // a poller that just gave up has closed by now
      if (!held.res.destroyed && !held.res.writableEnded) {
        this.counters.conflicts += 1;
        held.terminate();
      }
    }
    let terminated = false;
    const mine = {
      res,
      terminate: () => {
        terminated = true;
        for (const wake of bot.waiters) wake();
      },
    };
    bot.polling = mine;
    try {
      const updates = await this.pollUpdates(bot, body, res);
      if (terminated) {
        return new ApiError(409, {
          ok: false,
          error_code: 409,
          description:
            'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
        });
      }
      return updates;
    } finally {
      if (bot.polling === mine) bot.polling = undefined;
    }
  }

  private async pollUpdates(
    bot: BotState,
    body: Record<string, unknown>,
    res: ServerResponse,
  ): Promise<unknown> {
    const offset = Number(body.offset ?? 0);
    if (offset > 0) confirmBelow(bot.queue, offset);
    const limit = Number(body.limit ?? 100);
    const timeoutSeconds = Number(body.timeout ?? 0);
    if (bot.queue.length === 0 && timeoutSeconds > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          bot.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, timeoutSeconds * 1000);
        bot.waiters.add(done);
        res.once('close', done);
      });
      if (res.destroyed || res.writableEnded) return undefined;
    }
    return bot.queue.slice(0, limit);
  }

  private record(method: string, body: Record<string, unknown>, extra: { text: string; pollId?: string }) {
    const chatId = String(body.chat_id);
    const messageId = (this.messageIds.get(chatId) ?? 0) + 1;
    this.messageIds.set(chatId, messageId);
    const markup = parseMaybeJson(body.reply_markup) as
      | { inline_keyboard?: SentMessage['keyboard'] }
      | undefined;
    const threadId = body.message_thread_id === undefined ? undefined : Number(body.message_thread_id);
    this.sentMessages.push({
      method,
      chatId,
      messageId,
      ...extra,
      ...(threadId === undefined ? {} : { threadId }),
      ...(markup?.inline_keyboard ? { keyboard: markup.inline_keyboard } : {}),
      body,
    });
    return {
      message_id: messageId,
      date: nowSeconds(),
      chat: chatOf(body.chat_id),
      text: extra.text,
      ...(threadId === undefined ? {} : { message_thread_id: threadId, is_topic_message: true }),
    };
  }
}
