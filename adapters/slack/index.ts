/**
 * Slack adapter on @slack/bolt: HTTP mode (Bolt's HTTPReceiver mounted on Hearth's own HTTP server,
 * so Bolt verifies signatures and the 5-minute timestamp window) or Socket Mode when an app-level
 * token is set. Every request is acked first, then handed to Hearth; replies go out through the
 * outbox and `send` below.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, LogLevel, webApi } from '@slack/bolt';
import type { Capabilities, EventSink, PlatformAdapter } from '../../src/core/adapter.ts';
import { errorMessage } from '../../src/core/errors.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import type { Logger } from '../../src/core/log.ts';
import type { OutboundMessage, SendResult } from '../../src/core/outbound.ts';
import type { HttpMount, HttpMountable } from '../../src/http/routes.ts';
import { RecordingRetry } from '../record-retry.ts';
import { boltLogger } from './bolt-logger.ts';
import { isChannelUnreachable, toCoreError } from './errors.ts';
import {
  normalizeBlockActions,
  normalizeMessage,
  normalizeSlashCommand,
  normalizeViewSubmission,
  type SlackBlockActions,
  type SlackMessage,
  type SlackSlashCommand,
  type SlackViewSubmission,
} from './normalize.ts';
import { renderPosts, SLACK_TEXT_LIMIT } from './render.ts';

/** Where Hearth mounts Slack's Events API, slash commands and interactivity (one Request URL). */
export const SLACK_EVENTS_PATH = '/slack/events';

export const SLACK_CAPABILITIES: Capabilities = {
  buttons: true,
  nativePolls: false,
  threads: true,
  editMessages: true,
  files: true,
  blocks: true,
  maxTextLength: SLACK_TEXT_LIMIT,
  // chat.postMessage: about 1 message per second per channel, short bursts allowed.
  maxMessagesPerSecond: 10,
  maxMessagesPerSecondPerChat: 1,
};

export interface SlackAdapterOptions {
  botToken: string;
  /** HTTP mode: verifies every request. Required unless `appToken` is given. */
  signingSecret?: string;
  /** Socket Mode (xapp-...): no public URL needed. */
  appToken?: string;
  /** Web API base, e.g. https://slack.com/api/ (tests point it at a fake). */
  apiUrl?: string;
  log: Logger;
  path?: string;
  now?: () => Date;
  /**
   * The owners' channel id (SLACK_OWNERS_CHANNEL). Members of it who use /hearth or an owner button
   * elsewhere (a DM with the bot) are marked `sender.isAdmin`, which makes them owners.
   */
  ownersChannel?: string;
  /** Overrides (tests and benchmarks raise the send rates). */
  capabilities?: Partial<Capabilities>;
  /** Waits between attempts to record an event the core could not store (record-retry.ts). */
  recordRetriesMs?: readonly number[];
}

/** The ack shown for a command typed outside the owners' channel and DMs. */
export const REDIRECT_NOTE = 'Hearth answers this in your direct messages with the app.';

/** How long the owners' channel member list is trusted before it is fetched again. */
const OWNERS_CACHE_MS = 60_000;

/** Keeps the response_url of recent slash commands, so a reply the bot cannot post in-channel still reaches the owner. */
const RESPONSE_URL_MEMORY = 500;

export class SlackAdapter implements PlatformAdapter, HttpMountable {
  readonly platform = 'slack' as const;
  readonly capabilities: Capabilities;
  readonly mode: 'http' | 'socket';
  private readonly client: InstanceType<typeof webApi.WebClient>;
  private readonly path: string;
  private readonly now: () => Date;
  private readonly responseUrls = new Map<string, string>();
  private app: App | undefined;
  private receiver: HTTPReceiver | undefined;
  private sink: EventSink | undefined;
  private recording: RecordingRetry | undefined;
  /** Events being handed to the core (stop() waits for them). */
  private readonly delivering = new Set<Promise<void>>();
  private botUserId = '';
  private owners: { members: Set<string>; fetchedAt: number } | undefined;

  constructor(private readonly options: SlackAdapterOptions) {
    if (!options.appToken && !options.signingSecret) {
      throw new Error('Slack needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)');
    }
    this.mode = options.appToken ? 'socket' : 'http';
    this.capabilities = { ...SLACK_CAPABILITIES, ...options.capabilities };
    this.path = options.path ?? SLACK_EVENTS_PATH;
    this.now = options.now ?? (() => new Date());
    this.client = new webApi.WebClient(options.botToken, {
      ...this.clientOptions(),
      logger: boltLogger(options.log.child({ part: 'slack-web-api' }), LogLevel.WARN),
    });
  }

  private clientOptions() {
    return {
      ...(this.options.apiUrl ? { slackApiUrl: this.options.apiUrl } : {}),
      // The outbox owns retries: the SDK must neither retry nor wait out a 429 itself.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    };
  }

  /** HTTP mode: Slack's Request URL is `<public url>/slack/events` on Hearth's server. */
  mount(http: HttpMount): void {
    if (this.mode !== 'http') return;
    http.raw('POST', this.path, (req: IncomingMessage, res: ServerResponse) => {
      const receiver = this.receiver;
      if (!receiver || !this.sink) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('slack adapter not started');
        return;
      }
      res.on('finish', () => {
        if (res.statusCode === 401) {
          this.options.log.warn(
            { path: this.path, remote: req.socket.remoteAddress },
            'slack request rejected: bad signature or stale timestamp (not processed)',
          );
        }
      });
      receiver.requestListener(req, res);
    });
  }

  async start(sink: EventSink): Promise<void> {
    const { botToken, appToken, signingSecret, log } = this.options;
    const auth = await this.client.auth.test().catch((error: unknown) => {
      throw new Error(`Slack auth.test failed: ${errorMessage(error)}`);
    });
    this.botUserId = auth.user_id ?? '';
    const logger = boltLogger(log.child({ part: 'bolt' }), LogLevel.WARN);
    const common = {
      token: botToken,
      botUserId: this.botUserId,
      botId: auth.bot_id ?? '',
      logger,
      convoStore: false as const,
      clientOptions: this.clientOptions(),
    };
    if (this.mode === 'socket') {
      this.app = new App({ ...common, appToken: appToken ?? '', socketMode: true });
    } else {
      this.receiver = new HTTPReceiver({
        signingSecret: signingSecret ?? '',
        endpoints: [this.path],
        logger,
        processBeforeResponse: false,
      });
      this.app = new App({ ...common, receiver: this.receiver });
    }
    this.listen(this.app);
    this.app.error(async (error) => {
      log.error({ err: error }, 'slack listener failed');
    });
    this.sink = sink;
    this.recording = new RecordingRetry(log, 'slack', this.options.recordRetriesMs);
    const owners = this.options.ownersChannel;
    if (!owners || owners.startsWith('#')) {
      log.warn(
        { SLACK_OWNERS_CHANNEL: owners ?? null },
        "SLACK_OWNERS_CHANNEL should be the owners' channel id (e.g. C0123456789): without it only SLACK_OWNER_USER_IDS are owners on Slack",
      );
    }
    if (this.mode === 'socket') await this.app.start();
    log.info({ mode: this.mode, botUserId: this.botUserId }, 'slack adapter started');
  }

  /** Ack first (Slack's 3-second window), then hand the normalised event to Hearth. */
  private listen(app: App): void {
    app.command(/.*/, async ({ command, ack }) => {
      const { redirected, ...event } = normalizeSlashCommand(
        command as SlackSlashCommand,
        this.now(),
        this.options.ownersChannel,
      );
      // Shown only to the user who typed the command (a slash command's ack is ephemeral).
      await ack(redirected ? { response_type: 'ephemeral', text: REDIRECT_NOTE } : undefined);
      if (command.response_url) this.rememberResponseUrl(event.id, command.response_url);
      await this.deliver(await this.markOwner(event));
    });
    app.action(/.*/, async ({ body, ack }) => {
      await ack();
      if (body.type !== 'block_actions') return;
      for (const event of normalizeBlockActions(body as unknown as SlackBlockActions, this.now())) {
        await this.deliver(await this.markOwner(event));
      }
    });
    app.view(/.*/, async ({ body, ack }) => {
      await ack();
      if (body.type !== 'view_submission') return;
      await this.deliver(normalizeViewSubmission(body as unknown as SlackViewSubmission, this.now()));
    });
    app.event('message', async ({ event, body }) => {
      const eventId = (body as { event_id?: string }).event_id ?? `${(event as SlackMessage).ts}`;
      const message = normalizeMessage(event as unknown as SlackMessage, eventId, this.botUserId, this.now());
      if (message) await this.deliver(message);
    });
  }

  /** Outside the owners' channel, a member of it is still an owner: mark them (sender.isAdmin). */
  private async markOwner<E extends InboundEvent>(event: E): Promise<E> {
    const channel = this.options.ownersChannel;
    if (!channel || event.address.chatId === channel) return event;
    const members = await this.ownersChannelMembers(channel);
    return members.has(event.sender.userId)
      ? { ...event, sender: { ...event.sender, isAdmin: true } }
      : event;
  }

  private async ownersChannelMembers(channel: string): Promise<Set<string>> {
    const cached = this.owners;
    if (cached && Date.now() - cached.fetchedAt < OWNERS_CACHE_MS) return cached.members;
    const members = new Set<string>();
    try {
      let cursor: string | undefined;
      do {
        const page = await this.client.conversations.members({
          channel,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        for (const id of page.members ?? []) members.add(id);
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
    } catch (error) {
      this.options.log.warn(
        { err: errorMessage(error), channel },
        'could not list the owners channel members',
      );
      return cached?.members ?? members;
    }
    this.owners = { members, fetchedAt: Date.now() };
    return members;
  }

  /**
   * Hands an event to the core. Slack has been acknowledged already and will not redeliver, so an
   * event the core cannot record (the database is down) is tried again here until it is; one still
   * unrecorded when Hearth stops is lost, and logged whole.
   */
  private async deliver(event: InboundEvent): Promise<void> {
    const sink = this.sink;
    const recording = this.recording;
    if (!sink || !recording) return;
    const delivery = recording
      .run(event.id, async () => {
        await sink(event);
      })
      .then((recorded) => {
        if (recorded) return;
        this.options.log.error(
          { id: event.id, event },
          'slack: stopping with an event not recorded (the database is down); Slack does not redeliver it',
        );
      });
    this.delivering.add(delivery);
    await delivery.finally(() => this.delivering.delete(delivery));
  }

  private rememberResponseUrl(eventId: string, url: string): void {
    this.responseUrls.set(eventId, url);
    if (this.responseUrls.size > RESPONSE_URL_MEMORY) {
      const oldest = this.responseUrls.keys().next().value;
      if (oldest !== undefined) this.responseUrls.delete(oldest);
    }
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    try {
      return await this.sendOrThrow(message);
    } catch (error) {
      const core = toCoreError(error);
      const responseUrl = message.correlationId ? this.responseUrls.get(message.correlationId) : undefined;
      if (responseUrl && isChannelUnreachable(core)) return this.respondEphemeral(responseUrl, message);
      throw core;
    }
  }

  private async sendOrThrow(message: OutboundMessage): Promise<SendResult> {
    const channel = message.to.chatId;
    const threadTs = message.to.threadId;
    if (message.stopPoll) return { messageId: message.stopPoll.messageId };
    if (message.file) {
      const file = {
        filename: message.file.name,
        title: message.file.name,
        file: Buffer.from(message.file.contentBase64, 'base64'),
        ...(message.text ? { initial_comment: message.text.slice(0, SLACK_TEXT_LIMIT) } : {}),
      };
      const result = await this.client.filesUploadV2(
        threadTs ? { ...file, channel_id: channel, thread_ts: threadTs } : { ...file, channel_id: channel },
      );
      const uploaded = (result as { files?: { files?: { id?: string }[] }[] }).files?.[0]?.files?.[0]?.id;
      return { messageId: uploaded ?? `file:${message.file.name}` };
    }
    const posts = renderPosts(message);
    if (message.editMessageId) {
      const last = posts.at(-1);
      const updated = await this.client.chat.update({
        channel,
        ts: message.editMessageId,
        text: last?.text ?? message.text,
        ...(last?.blocks ? { blocks: last.blocks } : { blocks: [] }),
      });
      return { messageId: updated.ts ?? message.editMessageId };
    }
    let first: string | undefined;
    for (const post of posts) {
      const result = await this.client.chat.postMessage({ ...post, unfurl_links: false });
      first ??= result.ts;
    }
    if (!first) throw new Error('slack chat.postMessage returned no ts');
    return { messageId: first };
  }

  /** The bot is not in that channel: answer the slash command privately through its response_url. */
  private async respondEphemeral(url: string, message: OutboundMessage): Promise<SendResult> {
    const [post] = renderPosts(message);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        response_type: 'ephemeral',
        text: post?.text ?? message.text,
        blocks: post?.blocks,
      }),
    }).catch((error: unknown) => {
      throw toCoreError(
        Object.assign(new Error(errorMessage(error)), { code: webApi.ErrorCode.RequestError }),
      );
    });
    if (!response.ok) throw toCoreError({ code: webApi.ErrorCode.HTTPError, statusCode: response.status });
    return { messageId: `response_url:${message.id}` };
  }

  async stop(): Promise<void> {
    this.sink = undefined;
    this.recording?.stop();
    await Promise.allSettled([...this.delivering]);
    if (this.mode === 'socket' && this.app) await this.app.stop();
    this.app = undefined;
    this.receiver = undefined;
  }
}

/** Creates the adapter from config, or null when Slack is not configured. */
export function createSlackAdapter(
  config: {
    SLACK_BOT_TOKEN?: string | undefined;
    SLACK_SIGNING_SECRET?: string | undefined;
    SLACK_APP_TOKEN?: string | undefined;
    SLACK_API_URL?: string | undefined;
    SLACK_OWNERS_CHANNEL?: string | undefined;
  },
  log: Logger,
): SlackAdapter | null {
  const { SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_API_URL } = config;
  if (!SLACK_BOT_TOKEN || !(SLACK_SIGNING_SECRET || SLACK_APP_TOKEN)) return null;
  return new SlackAdapter({
    botToken: SLACK_BOT_TOKEN,
    ...(SLACK_SIGNING_SECRET ? { signingSecret: SLACK_SIGNING_SECRET } : {}),
    ...(SLACK_APP_TOKEN ? { appToken: SLACK_APP_TOKEN } : {}),
    ...(SLACK_API_URL ? { apiUrl: SLACK_API_URL } : {}),
    ...(config.SLACK_OWNERS_CHANNEL ? { ownersChannel: config.SLACK_OWNERS_CHANNEL } : {}),
    log,
  });
}
