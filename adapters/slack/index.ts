/**
 * Slack adapter on @slack/bolt: HTTP mode (Bolt's HTTPReceiver mounted on Hearth's own HTTP server,
 * so Bolt verifies signatures and the 5-minute timestamp window) or Socket Mode when an app-level
 * token is set. Every request is acked first, then handed to Hearth; replies go out through the
 * outbox and `send` below.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, LogLevel, webApi } from '@slack/bolt';
import type { AdapterContext, Capabilities, PlatformAdapter } from '../../src/core/adapter.ts';
import { errorMessage } from '../../src/core/errors.ts';
import type { ChatAddress, InboundEvent, ReplyHandle } from '../../src/core/events.ts';
import type { Logger } from '../../src/core/log.ts';
import type { OutboundMessage, SendResult } from '../../src/core/outbound.ts';
import type { InboundReceiver } from '../../src/core/receiver.ts';
import type { HttpMount, HttpMountable } from '../../src/http/routes.ts';
import { ResumableSends } from '../send-steps.ts';
import { boltLogger } from './bolt-logger.ts';
import { isChannelUnreachable, toCoreError } from './errors.ts';
import { slackText } from './escape.ts';
import { answerUnprocessable, slackBodyProblem } from './http-body.ts';
import { SLACK_CAPABILITIES, SLACK_CONSOLE_OWNERS_CHANNEL } from './module.ts';
import {
  normalizeBlockActions,
  normalizeMessage,
  normalizeSlashCommand,
  normalizeViewSubmission,
  type SlackMessage,
} from './normalize.ts';
import { renderPosts, responseUrlPosts, SLACK_TEXT_LIMIT } from './render.ts';

/** Where Hearth mounts Slack's Events API, slash commands and interactivity (one Request URL). */
export const SLACK_EVENTS_PATH = '/slack/events';

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
   * The owners' channel id (SLACK_OWNERS_CHANNEL). Whoever writes in it, and its members wherever
   * they write to the app (a DM, /hearth in another channel), are marked `sender.isOwner`.
   */
  ownersChannel?: string;
  /** Slack user ids that are owners wherever they write (SLACK_OWNER_USER_IDS). */
  ownerUserIds?: readonly string[];
  /** Overrides (tests and benchmarks raise the send rates). */
  capabilities?: Partial<Capabilities>;
}

/** The ack shown for a command typed outside the owners' channel and DMs. */
export const REDIRECT_NOTE = 'Hearth answers this in your direct messages with the app.';

/** How long the owners' channel member list is trusted before it is fetched again. */
const OWNERS_CACHE_MS = 60_000;

/** Slack accepts a response_url for 30 minutes (up to five replies). */
const RESPONSE_URL_VALID_MS = 30 * 60_000;

export class SlackAdapter implements PlatformAdapter, HttpMountable {
  readonly platform = 'slack' as const;
  readonly capabilities: Capabilities;
  readonly mode: 'http' | 'socket';
  readonly ownersChannel: ChatAddress;
  private readonly client: InstanceType<typeof webApi.WebClient>;
  private readonly path: string;
  private readonly now: () => Date;
  private readonly ownerUserIds: Set<string>;
  private app: App | undefined;
  private receiver: HTTPReceiver | undefined;
  private inbound: InboundReceiver | undefined;
  /** Events being handed to the core (stop() waits for them, and for their last log line). */
  private readonly delivering = new Set<Promise<void>>();
  private botUserId = '';
  private owners: { members: Set<string>; fetchedAt: number } | undefined;
  /** Pieces of long messages already posted, by outbox id: a retry resumes at the failed piece. */
  private readonly posts = new ResumableSends('slack', 'first');
  /** Pieces already answered through a response_url, by outbox id (the same resumption). */
  private readonly responses = new ResumableSends('slack response_url');

  constructor(private readonly options: SlackAdapterOptions) {
    if (!options.appToken && !options.signingSecret) {
      throw new Error('Slack needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)');
    }
    this.mode = options.appToken ? 'socket' : 'http';
    this.ownersChannel = { platform: 'slack', chatId: options.ownersChannel ?? SLACK_CONSOLE_OWNERS_CHANNEL };
    this.ownerUserIds = new Set(options.ownerUserIds ?? []);
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
    http.raw('POST', this.path, (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
      const receiver = this.receiver;
      if (!receiver || !this.inbound) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('slack adapter not started');
        return;
      }
      const problem = slackBodyProblem(req.headers['content-type'], body);
      if (problem) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(problem);
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

  async start(context: AdapterContext): Promise<void> {
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
        processEventErrorHandler: answerUnprocessable,
      });
      this.app = new App({ ...common, receiver: this.receiver });
    }
    this.listen(this.app);
    this.app.error(async (error) => {
      log.error({ err: error }, 'slack listener failed');
    });
    this.inbound = context.receiver;
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

  /** Ack first (Slack's 3-second window), then hand the normalized event to Hearth. */
  private listen(app: App): void {
    app.command(/.*/, async ({ command, ack }) => {
      const normalized = normalizeSlashCommand(command, this.now(), this.options.ownersChannel);
      if (!normalized) return void (await ack());
      const { redirected, ...event } = normalized;
      // A non-owner's command is refused in one message (in their DMs), without the redirect note.
      const marked = await this.markOwner(event);
      // Shown only to the user who typed the command (a slash command's ack is ephemeral).
      const note = redirected && marked.sender.isOwner === true;
      await ack(note ? { response_type: 'ephemeral', text: REDIRECT_NOTE } : undefined);
      const handle = command.response_url ? this.replyHandle(command.response_url) : undefined;
      await this.deliver(handle ? { ...marked, replyHandle: handle } : marked);
    });
    app.action(/.*/, async ({ body, ack }) => {
      await ack();
      if (body.type !== 'block_actions') return;
      for (const event of normalizeBlockActions(body, this.now())) {
        await this.deliver(await this.markOwner(event));
      }
    });
    app.view(/.*/, async ({ body, ack }) => {
      await ack();
      if (body.type !== 'view_submission') return;
      const event = normalizeViewSubmission(body, this.now());
      if (event) await this.deliver(await this.markOwner(event));
    });
    app.event('message', async ({ event, body }) => {
      const eventId = (body as { event_id?: string }).event_id ?? `${(event as SlackMessage).ts}`;
      const message = normalizeMessage(event, eventId, this.botUserId, this.now());
      if (message) await this.deliver(await this.markOwner(message));
    });
  }

  /**
   * Marks owners (`sender.isOwner`): whoever writes in the owners' channel, the listed owner ids, and
   * members of the owners' channel wherever they write to the app.
   */
  private async markOwner<E extends InboundEvent>(event: E): Promise<E> {
    if (event.sender.isBot) return event;
    const channel = this.options.ownersChannel;
    const userId = event.sender.userId;
    const owner =
      event.address.chatId === this.ownersChannel.chatId ||
      this.ownerUserIds.has(userId) ||
      (channel !== undefined && (await this.ownersChannelMembers(channel)).has(userId));
    return owner ? { ...event, sender: { ...event.sender, isOwner: true } } : event;
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
   * event the core cannot record (the database is down) is tried again by the receiver until it is;
   * one still unrecorded when Hearth stops is lost, and logged whole.
   */
  private async deliver(event: InboundEvent): Promise<void> {
    const inbound = this.inbound;
    if (!inbound) return;
    const delivery = inbound.receive(event).recorded.then((recorded) => {
      if (recorded) return;
      this.options.log.error(
        { id: event.id, event },
        'slack: stopping with an event not recorded (the database is down); Slack does not redeliver it',
      );
    });
    this.delivering.add(delivery);
    await delivery.finally(() => this.delivering.delete(delivery));
  }

  /** A response_url as a reply handle any Hearth process can answer through while it is valid. */
  private replyHandle(responseUrl: string): ReplyHandle {
    return {
      value: responseUrl,
      expiresAt: new Date(this.now().getTime() + RESPONSE_URL_VALID_MS).toISOString(),
    };
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    try {
      return await this.sendOrThrow(message);
    } catch (error) {
      const core = toCoreError(error);
      const handle = message.replyHandle;
      if (handle && Date.parse(handle.expiresAt) > this.now().getTime() && isChannelUnreachable(core)) {
        return this.respondEphemeral(handle.value, message);
      }
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
        ...(message.text ? { initial_comment: slackText(message.text.slice(0, SLACK_TEXT_LIMIT)) } : {}),
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
    // Each piece takes its turn at the send pace; the message is known by its first piece's ts.
    const steps = posts.map((post, index) => async (): Promise<SendResult> => {
      const result = await this.client.chat.postMessage({ ...post, unfurl_links: false });
      if (index === 0 && !result.ts) throw new Error('slack chat.postMessage returned no ts');
      return { messageId: result.ts ?? '' };
    });
    return this.posts.run(message.id, steps, message.beforeRequest);
  }

  /**
   * The bot is not in that channel: answer the slash command privately through its response_url
   * (the reply handle; any process can, until it expires), every piece in order (at most five, see
   * responseUrlPosts); a retry resumes at the piece that failed.
   */
  private async respondEphemeral(url: string, message: OutboundMessage): Promise<SendResult> {
    const messageId = `response_url:${message.id}`;
    const steps = responseUrlPosts(message).map((post) => async (): Promise<SendResult> => {
      await postToResponseUrl(url, { response_type: 'ephemeral', text: post.text, blocks: post.blocks });
      return { messageId };
    });
    return this.responses.run(message.id, steps);
  }

  async stop(): Promise<void> {
    const inbound = this.inbound;
    this.inbound = undefined; // new requests are answered 503 from now on
    await inbound?.stop();
    await Promise.allSettled([...this.delivering]);
    if (this.mode === 'socket' && this.app) await this.app.stop();
    this.app = undefined;
    this.receiver = undefined;
  }
}

/** POSTs one answer to a response_url; failures as core errors (5xx and network errors retryable). */
async function postToResponseUrl(url: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).catch((error: unknown) => {
    throw toCoreError(Object.assign(new Error(errorMessage(error)), { code: webApi.ErrorCode.RequestError }));
  });
  await response.body?.cancel().catch(() => undefined); // the answer says nothing more; free the socket
  if (!response.ok) throw toCoreError({ code: webApi.ErrorCode.HTTPError, statusCode: response.status });
}
