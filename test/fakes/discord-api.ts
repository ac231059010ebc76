/**
 * A fake Discord (REST API v10 + gateway) on 127.0.0.1 for tests that drive the REAL discord.js:
 *
 *   const fake = await FakeDiscordApi.start();
 *   new Client({ intents, rest: { api: fake.apiUrl } }).login(token); // GET /gateway/bot → fake.gateway
 *
 * - Messages: `POST /channels/:id/messages` (nonce + enforce_nonce: a repeated nonce returns the
 *   message already made), edits, `GET` one message, poll expiry. `sent(channelId?)` lists created
 *   messages; `posts(channelId)` counts POST attempts (a 429 or 500 counts too).
 * - Interactions: callbacks (`callbacks`), and the webhook answers (`webhookSends`: PATCH @original or
 *   POST follow-up). As on Discord, the webhook of an interaction never acknowledged is unknown (404,
 *   10015). Commands: `PUT` bulk overwrite (`commandPuts`), `GET` the current set.
 * - Failures: `failNext(failure, pathPart?, method?)` fails the next matching call once (429 route/
 *   global/shared with Retry-After, 403 50007 / 50278 / 50013, 401, 500, or 500 after creating the
 *   message). Without `method` it fails any call but a GET; with one, only calls of that method.
 * - Users: `user(name)` ids; `dmChannelIdOf(userId)` is a user's DM channel, which
 *   `POST /users/@me/channels` opens.
 * - Polls: `vote(user, messageId, answerId, add)` changes the fake's counts and dispatches
 *   MESSAGE_POLL_VOTE_ADD/REMOVE; expiring a poll finalizes its counts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FakeDiscordGateway } from './discord-gateway.ts';
import {
  answer,
  discordUserId,
  dmChannelIdOf,
  FAKE_APPLICATION_ID,
  FAKE_BOT,
  FAKE_CHANNEL_ID,
  FAKE_GUILD_ID,
  MESSAGE_CONTENT_FLAG,
  nextId,
  readJson,
  shownText,
} from './discord-wire.ts';

export type DiscordFailure =
  | { kind: 'rate-limited'; retryAfterSeconds: number; scope?: 'user' | 'global' | 'shared' }
  | { kind: 'cannot-dm' }
  | { kind: 'no-mutual-guild' }
  | { kind: 'missing-permissions' }
  | { kind: 'unauthorized' }
  | { kind: 'server-error' }
  /**
   * The message is created (or the interaction acknowledged), but the answer is a 500: the client
   * retries, and the nonce must dedupe (or Discord says 40060, already acknowledged).
   */
  | { kind: 'server-error-after-create' };

export interface DiscordMessage {
  id: string;
  channel_id: string;
  content: string;
  /** What a member sees (markdown escapes rendered). */
  shown: string;
  body: Record<string, unknown>;
  poll?: PollState;
}

interface PollState {
  question: string;
  answers: { answer_id: number; text: string }[];
  allow_multiselect: boolean;
  duration: number;
  votes: Map<string, Set<number>>;
  finalized: boolean;
}

export interface WebhookSend {
  token: string;
  /** 'original': edited the deferred answer; 'followup': a new message. */
  kind: 'original' | 'followup';
  body: Record<string, unknown>;
}

const API = '/api/v10';

export class FakeDiscordApi {
  readonly calls: {
    method: string;
    path: string;
    body?: Record<string, unknown>;
    status: number;
    at: number;
  }[] = [];
  readonly callbacks: { interactionId: string; token: string; body: Record<string, unknown> }[] = [];
  readonly webhookSends: WebhookSend[] = [];
  readonly commandPuts: { guildId?: string; body: unknown }[] = [];
  private readonly messages: DiscordMessage[] = [];
  private readonly failures: { failure: DiscordFailure; path?: string; method?: string }[] = [];
  private readonly postCounts = new Map<string, number>();
  private commands: unknown[] = [];
  /** Application flags /applications/@me reports (MESSAGE_CONTENT toggle by default). */
  applicationFlags = MESSAGE_CONTENT_FLAG;

  private constructor(
    private readonly server: Server,
    readonly apiUrl: string,
    readonly gateway: FakeDiscordGateway,
  ) {}

  static async start(): Promise<FakeDiscordApi> {
    const gateway = await FakeDiscordGateway.start();
    gateway.channels = [{ id: FAKE_CHANNEL_ID, name: 'general' }];
    let fake: FakeDiscordApi | undefined;
    const server = createServer((req, res) => {
      void fake?.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) answer(res, 500, { message: String(error), code: 0 });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    fake = new FakeDiscordApi(server, `http://127.0.0.1:${port}/api`, gateway);
    return fake;
  }

  user(name: string): string {
    return discordUserId(name);
  }

  failNext(failure: DiscordFailure, pathPart?: string, method?: string): void {
    this.failures.push({ failure, ...(pathPart ? { path: pathPart } : {}), ...(method ? { method } : {}) });
  }

  sent(channelId?: string): DiscordMessage[] {
    return channelId ? this.messages.filter((m) => m.channel_id === channelId) : [...this.messages];
  }

  posts(channelId: string): number {
    return this.postCounts.get(channelId) ?? 0;
  }

  message(id: string): DiscordMessage | undefined {
    return this.messages.find((m) => m.id === id);
  }

  /** A member votes (or takes a vote back) on a poll: the counts change and the gateway says so. */
  vote(user: string, messageId: string, answerId: number, add: boolean): void {
    const message = this.message(messageId);
    if (!message?.poll) throw new Error(`no poll message ${messageId}`);
    const userId = this.user(user);
    const chosen = message.poll.votes.get(userId) ?? new Set<number>();
    if (add) chosen.add(answerId);
    else chosen.delete(answerId);
    message.poll.votes.set(userId, chosen);
    this.gateway.dispatch(add ? 'MESSAGE_POLL_VOTE_ADD' : 'MESSAGE_POLL_VOTE_REMOVE', {
      user_id: userId,
      channel_id: message.channel_id,
      message_id: messageId,
      ...(message.channel_id === FAKE_CHANNEL_ID ? { guild_id: FAKE_GUILD_ID } : {}),
      answer_id: answerId,
    });
  }

  /** Waits until `check` gives a value. */
  async waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 45_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`fake discord: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://fake').pathname);
    const body = await readJson(req);
    const reply = (status: number, payload?: unknown, headers?: Record<string, string>) => {
      this.calls.push({ method, path, ...(body ? { body } : {}), status, at: Date.now() });
      answer(res, status, payload, headers);
    };
    if (!path.startsWith(API)) return reply(404, { message: '404: Not Found', code: 0 });
    const route = path.slice(API.length);
    const channelPost = /^\/channels\/(\d+)\/messages$/.exec(route);
    if (method === 'POST' && channelPost?.[1]) {
      const channelId = channelPost[1];
      this.postCounts.set(channelId, this.posts(channelId) + 1);
    }
    const failure = this.takeFailure(route, method);
    if (failure && failure.kind !== 'server-error-after-create') return reply(...this.failureAnswer(failure));

    if (method === 'GET' && route === '/gateway/bot') {
      return reply(200, {
        url: this.gateway.url,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      });
    }
    if (method === 'GET' && route === '/applications/@me') {
      return reply(200, {
        id: FAKE_APPLICATION_ID,
        name: 'Hearth',
        flags: this.applicationFlags,
        bot: FAKE_BOT,
      });
    }
    if (method === 'GET' && route === '/users/@me') return reply(200, FAKE_BOT);
    if (method === 'POST' && route === '/users/@me/channels') {
      const recipient = String(body?.recipient_id ?? '');
      if (!/^\d{5,20}$/.test(recipient)) return reply(400, { message: 'Invalid Form Body', code: 50035 });
      return reply(200, { id: dmChannelIdOf(recipient), type: 1, recipients: [{ id: recipient }] });
    }
    if (channelPost?.[1] && method === 'POST') {
      const created = this.create(channelPost[1], body ?? {});
      if (failure) return reply(500, { message: '500: Internal Server Error', code: 0 });
      return reply(200, this.wire(created));
    }
    const one = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(route);
    if (one?.[2]) {
      const message = this.message(one[2]);
      if (!message) return reply(404, { message: 'Unknown Message', code: 10008 });
      if (method === 'PATCH') {
        message.content = String(body?.content ?? message.content);
        message.shown = shownText(message.content);
        message.body = { ...message.body, ...body };
      }
      return reply(200, this.wire(message));
    }
    const expire = /^\/channels\/(\d+)\/polls\/(\d+)\/expire$/.exec(route);
    if (method === 'POST' && expire?.[2]) {
      const message = this.message(expire[2]);
      if (!message?.poll) return reply(400, { message: 'Cannot expire a non-poll message', code: 520006 });
      if (message.poll.finalized) return reply(400, { message: 'Poll expired', code: 520001 });
      message.poll.finalized = true;
      this.gateway.dispatch('MESSAGE_UPDATE', this.wire(message));
      return reply(200, this.wire(message));
    }
    const callback = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(route);
    if (method === 'POST' && callback?.[1] && callback[2]) {
      const interactionId = callback[1];
      if (this.callbacks.some((c) => c.interactionId === interactionId))
        return reply(400, { message: 'Interaction has already been acknowledged.', code: 40060 });
      this.callbacks.push({ interactionId, token: callback[2], body: body ?? {} });
      if (failure) return reply(500, { message: '500: Internal Server Error', code: 0 });
      return reply(204);
    }
    const hook = /^\/webhooks\/(\d+)\/([^/]+)(\/messages\/@original)?$/.exec(route);
    if (hook?.[2] && (method === 'POST' || method === 'PATCH')) {
      const token = hook[2];
      if (!this.callbacks.some((c) => c.token === token))
        return reply(404, { message: 'Unknown Webhook', code: 10015 });
      const kind = hook[3] ? 'original' : 'followup';
      this.webhookSends.push({ token: hook[2], kind, body: body ?? {} });
      return reply(200, { id: nextId(), channel_id: '0', content: body?.content ?? '', author: FAKE_BOT });
    }
    const commands = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(route);
    if (commands) {
      if (method === 'PUT') {
        this.commands = Array.isArray(body) ? body : [];
        this.commandPuts.push({ ...(commands[2] ? { guildId: commands[2] } : {}), body });
      }
      return reply(
        200,
        this.commands.map((c, i) => ({ id: String(900 + i), ...(c as object) })),
      );
    }
    reply(404, { message: `fake discord: no route ${method} ${route}`, code: 0 });
  }

  private takeFailure(route: string, method: string): DiscordFailure | undefined {
    const index = this.failures.findIndex(
      (f) => (f.method ? f.method === method : method !== 'GET') && (!f.path || route.includes(f.path)),
    );
    if (index < 0) return undefined;
    return this.failures.splice(index, 1)[0]?.failure;
  }

  /** The answer Discord gives for a failure: status, body, headers. */
  private failureAnswer(failure: DiscordFailure): [number, unknown, Record<string, string>] {
    switch (failure.kind) {
      case 'rate-limited': {
        const scope = failure.scope ?? 'user';
        const seconds = String(failure.retryAfterSeconds);
        const body = {
          message: 'You are being rate limited.',
          retry_after: failure.retryAfterSeconds,
          global: scope === 'global',
        };
        const bucket: Record<string, string> =
          scope === 'global'
            ? { 'x-ratelimit-global': 'true' }
            : {
                'x-ratelimit-limit': '5',
                'x-ratelimit-remaining': '0',
                'x-ratelimit-reset-after': seconds,
                'x-ratelimit-bucket': 'fake-bucket',
              };
        return [429, body, { 'retry-after': seconds, 'x-ratelimit-scope': scope, ...bucket }];
      }
      case 'cannot-dm':
        return [403, { message: 'Cannot send messages to this user', code: 50007 }, {}];
      case 'no-mutual-guild':
        return [403, { message: 'You have no mutual guilds with this user', code: 50278 }, {}];
      case 'missing-permissions':
        return [403, { message: 'Missing Permissions', code: 50013 }, {}];
      case 'unauthorized':
        return [401, { message: '401: Unauthorized', code: 0 }, {}];
      default:
        return [500, { message: '500: Internal Server Error', code: 0 }, {}];
    }
  }

  private create(channelId: string, body: Record<string, unknown>): DiscordMessage {
    if (body.enforce_nonce === true && body.nonce !== undefined) {
      const same = this.messages.find((m) => m.channel_id === channelId && m.body.nonce === body.nonce);
      if (same) return same;
    }
    const content = String(body.content ?? '');
    const message: DiscordMessage = {
      id: nextId(),
      channel_id: channelId,
      content,
      shown: shownText(content),
      body,
    };
    const poll = body.poll as
      | { question?: { text?: string }; answers?: { poll_media?: { text?: string } }[]; duration?: number }
      | undefined;
    if (poll) {
      message.poll = {
        question: String(poll.question?.text ?? ''),
        answers: (poll.answers ?? []).map((a, i) => ({
          answer_id: i + 1,
          text: String(a.poll_media?.text ?? ''),
        })),
        allow_multiselect: (body.poll as { allow_multiselect?: boolean }).allow_multiselect === true,
        duration: Number(poll.duration ?? 24),
        votes: new Map(),
        finalized: false,
      };
    }
    this.messages.push(message);
    return message;
  }

  /** A message as Discord answers it (with the poll's results so far). */
  private wire(message: DiscordMessage): Record<string, unknown> {
    const poll = message.poll;
    return {
      id: message.id,
      type: 0,
      channel_id: message.channel_id,
      author: FAKE_BOT,
      content: message.content,
      timestamp: new Date().toISOString(),
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      ...(message.body.nonce !== undefined ? { nonce: message.body.nonce } : {}),
      ...(poll
        ? {
            poll: {
              question: { text: poll.question },
              answers: poll.answers.map((a) => ({ answer_id: a.answer_id, poll_media: { text: a.text } })),
              expiry: new Date(Date.now() + poll.duration * 3_600_000).toISOString(),
              allow_multiselect: poll.allow_multiselect,
              layout_type: 1,
              results: {
                is_finalized: poll.finalized,
                answer_counts: poll.answers.map((a) => ({
                  id: a.answer_id,
                  count: [...poll.votes.values()].filter((set) => set.has(a.answer_id)).length,
                  me_voted: false,
                })),
              },
            },
          }
        : {}),
    };
  }
}
