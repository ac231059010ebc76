import type { IncomingHttpHeaders } from 'node:http';
import type { AdapterContext, Capabilities, LeaderRole, PlatformAdapter } from '../../src/core/adapter.ts';
import type { AdapterState } from '../../src/core/adapter-state.ts';
import { PermanentError, RateLimitedError, TransientError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import type { OutboundMessage, SendResult } from '../../src/core/outbound.ts';
import type { InboundReceiver } from '../../src/core/receiver.ts';
import { splitText } from '../../src/core/split-text.ts';
import type { HttpMount, HttpMountable } from '../../src/http/routes.ts';
import { type DmEvent, isUserId, XClient as XApiClient, type XClient, type XCredentials } from './client.ts';
import {
  DM_PERMISSION_HINT,
  isAccountRestricted,
  isAmbiguous,
  isAppPermissionError,
  isAuthError,
  msUntilReset,
  toCoreError,
  xDescription,
} from './errors.ts';
import { compareIds, normalizeDmEvent } from './normalize.ts';
import { DmPoller, snowflakeAt } from './polling.ts';
import { DailyReads } from './read-billing.ts';
import { dmText } from './render.ts';
import { crcHandler, eventsHandler, webhookPath } from './webhook.ts';

export interface XAdapterOptions {
  credentials: XCredentials;
  /** X API base URL (the tests' fake; default https://api.x.com). */
  apiUrl?: string;
  capabilities: Capabilities;
  /** Least time between two polls of GET /2/dm_events. */
  pollIntervalMs: number;
  /** `max_results` of each poll's pages. */
  pageSize: number;
  /** How long one X API call may take before it counts as failed (ambiguous for a send). */
  requestTimeoutMs?: number;
  /** Webhook mode: X posts DM events to this public URL (its path is served by Hearth); no polling. */
  webhookUrl?: string;
  log: Logger;
}

/** The 24-hour send quota as X's `x-user-limit-24hour-*` headers last told it. */
interface DailyQuota {
  limit: number;
  remaining: number;
  resetAt: number;
}

/** A DM send begun and not known to have ended: on a retry the conversation is read first. */
interface PendingSend {
  /** The least id the DM can have: a snowflake of the attempt's start, less the clock skew. */
  since: string;
  /** The bot's last DM to the participant that X confirmed before the attempt: the DM is newer. */
  after?: string;
}

/** The bot's last DM to a participant that X confirmed. */
interface LastSent {
  eventId: string;
}

const QUOTA_KEY = 'daily-send-quota';
/** State key of the pieces of a multi-piece send already on X (by outbox id). */
const progressKey = (outboxId: string) => `progress:${outboxId}`;
/** State key of the bot's last confirmed DM to a participant. */
const lastSentKey = (participant: string) => `last-sent:${participant}`;
/** How far the clocks of X and Hearth may differ when looking for a DM sent "since" an attempt. */
const CLOCK_SKEW_MS = 60_000;

/**
 * X direct messages through twitter-api-v2 (../shared/notes/discord-x.md part B): DMs are polled
 * from GET /2/dm_events by one instance (or pushed by X's webhook, see mount), answers are sent with
 * POST /2/dm_conversations/with/:id/messages within X's per-account windows (the limiter reads
 * `capabilities.rateLimits`; the 24-hour quota X reports is respected on top).
 */
export class XAdapter implements PlatformAdapter, HttpMountable {
  readonly platform = 'x' as const;
  readonly capabilities: Capabilities;
  readonly client: XClient;
  private readonly log: Logger;
  private context: AdapterContext | undefined;
  private receiver: InboundReceiver | undefined;
  private pollingRole: LeaderRole | undefined;
  private state: AdapterState | undefined;
  private botUserId: string | undefined;
  private quota: DailyQuota | undefined;
  /**
   * Pieces already sent of multi-piece texts, by outbox id (kept in the state too, `progress:<id>`,
   * for another instance or a restart): a retry resumes where it failed.
   */
  private readonly progress = new Map<string, number>();
  private readonly reads = new DailyReads();

  constructor(private readonly options: XAdapterOptions) {
    this.log = options.log;
    this.capabilities = options.capabilities;
    this.client = new XApiClient(options.credentials, options.apiUrl, options.requestTimeoutMs);
  }

  /** The business account's X user id, once started. */
  get accountId(): string | undefined {
    return this.botUserId;
  }

  /** Webhook mode: the CRC challenge and X's signed POSTs, on the path of X_WEBHOOK_URL. */
  mount(http: HttpMount): void {
    const url = this.options.webhookUrl;
    if (!url) return;
    const secret = this.options.credentials.appSecret;
    http.raw('GET', webhookPath(url), crcHandler(secret, this.log));
    http.raw(
      'POST',
      webhookPath(url),
      eventsHandler({
        secret,
        log: this.log,
        ready: () => this.botUserId !== undefined && this.receiver !== undefined,
        accountId: () => this.botUserId,
        handle: (events) => this.receivePushed(events),
      }),
    );
  }

  /**
   * DMs X pushed for the account: each recorded before X gets its 200 (the core drops one already
   * seen by its id). Only received ones are billed (`dm.received`; the bot's own `dm.sent` is not).
   */
  private async receivePushed(events: DmEvent[]): Promise<void> {
    const receiver = this.receiver;
    const botUserId = this.botUserId;
    if (!receiver || !botUserId) throw new Error('x: not started');
    this.onEventsRead(events.filter((dm) => dm.sender_id !== botUserId));
    const receipts = [];
    for (const dm of events) {
      const normalized = normalizeDmEvent(dm, botUserId);
      if ('ignored' in normalized) {
        this.log.debug({ eventId: dm.id }, `x: webhook DM event ignored: ${normalized.ignored}`);
        continue;
      }
      receipts.push(receiver.receive(normalized.event, { retry: false }));
    }
    for (const receipt of receipts) {
      if (!(await receipt.recorded)) throw new Error('x: a pushed DM was not recorded');
    }
  }

  async start(context: AdapterContext): Promise<void> {
    this.context = context;
    this.receiver = context.receiver;
    const startedAt = Date.now();
    let me: Awaited<ReturnType<XClient['me']>>;
    try {
      me = await this.client.me();
    } catch (error) {
      if (isAuthError(error)) {
        this.tellAboutAuth();
        throw new Error('X refused the access token (401): check X_ACCESS_TOKEN and X_ACCESS_SECRET');
      }
      if (error instanceof Error && 'code' in error && error.code === 403)
        throw new Error(DM_PERMISSION_HINT);
      throw toCoreError(error);
    }
    if (me.accessLevel !== undefined && me.accessLevel !== 'read-write-directmessages') {
      throw new Error(`${DM_PERMISSION_HINT} (the token's access level is "${me.accessLevel}")`);
    }
    this.botUserId = me.id;
    const state = context.state(me.id);
    this.state = state;
    this.quota = (await state.get<DailyQuota>(QUOTA_KEY))?.value;
    if (this.options.webhookUrl) {
      this.log.info(
        { account: me.username, path: webhookPath(this.options.webhookUrl) },
        'x: receiving DMs by webhook (register the URL with X; see the README)',
      );
      return;
    }
    const poller = new DmPoller({
      client: this.client,
      botUserId: me.id,
      state,
      receiver: context.receiver,
      log: this.log,
      intervalMs: this.options.pollIntervalMs,
      pageSize: this.options.pageSize,
      startedAt,
      onEventsRead: (events) => this.onEventsRead(events),
      onAuthError: () => this.tellAboutAuth(),
    });
    this.pollingRole = context.asLeader('polling', (signal) => poller.run(signal));
    this.log.info({ account: me.username }, 'x: receiving DMs by polling (in the instance holding the role)');
  }

  async stop(): Promise<void> {
    const stopped = this.receiver?.stop();
    await this.pollingRole?.stop();
    await stopped;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const participant = message.to.chatId;
    if (!isUserId(participant)) throw new PermanentError(`x: "${participant}" is not an X user id`);
    const text = dmText(message);
    const pieces = text.trim() ? splitText(text, this.capabilities.maxTextLength) : [];
    if (pieces.length === 0) throw new PermanentError('x: nothing to send (empty text)');
    this.checkDailyQuota();
    await this.checkBudget(message, pieces.length);
    const multiPiece = pieces.length > 1;
    let last = '';
    for (let i = multiPiece ? await this.piecesSent(message.id) : 0; i < pieces.length; i++) {
      await message.beforeRequest?.(); // each POST takes its own turn at X's pace
      last = await this.sendPiece(`${message.id}:${i}`, participant, pieces[i] ?? '');
      if (i < pieces.length - 1) await this.notePiecesSent(message.id, i + 1);
    }
    if (multiPiece) {
      this.progress.delete(message.id);
      await this.requireState()
        .delete(progressKey(message.id))
        .catch((error: unknown) => this.log.warn({ err: error }, 'x: send progress not cleared'));
    }
    return { messageId: last };
  }

  /** How many pieces of a multi-piece send X already has (this instance's count or the state's). */
  private async piecesSent(outboxId: string): Promise<number> {
    const stored = (await this.requireState().get<number>(progressKey(outboxId)))?.value;
    return Math.max(this.progress.get(outboxId) ?? 0, typeof stored === 'number' ? stored : 0);
  }

  /** Remembers that `count` pieces are on X (a failed state write leaves this instance's count). */
  private async notePiecesSent(outboxId: string, count: number): Promise<void> {
    if (this.progress.size > 10_000) this.progress.clear();
    this.progress.set(outboxId, count);
    await this.requireState()
      .set(progressKey(outboxId), count)
      .catch((error: unknown) => this.log.warn({ err: error }, 'x: send progress not stored'));
  }

  /**
   * Sends one DM at most once: a mark is kept in the adapter state while the POST is under way, and a
   * retry that finds it (the last attempt timed out, was cut, or got a 5xx; or its process died)
   * first reads the conversation for the DM: X has no idempotency key.
   */
  private async sendPiece(key: string, participant: string, text: string): Promise<string> {
    const state = this.requireState();
    const pendingKey = `pending-send:${key}`;
    const pending = await state.get<PendingSend>(pendingKey);
    const lastSent = (await state.get<LastSent>(lastSentKey(participant)))?.value.eventId;
    if (pending) {
      const found = await this.findSent(participant, text, pending.value);
      if (found) {
        this.log.info(
          { key, eventId: found },
          'x: the DM of an ambiguous attempt was delivered; not resending',
        );
        await state.delete(pendingKey);
        return found;
      }
    }
    await state.set<PendingSend>(pendingKey, {
      since: snowflakeAt(Date.now() - CLOCK_SKEW_MS),
      ...(lastSent ? { after: lastSent } : {}),
    });
    let sent: { eventId: string; headers: IncomingHttpHeaders };
    try {
      sent = await this.client.sendDm(participant, text);
    } catch (error) {
      if (!isAmbiguous(error)) await state.delete(pendingKey);
      this.onSendError(error);
      throw toCoreError(error);
    }
    this.context?.countUsage?.({ outbound: 1 });
    await state.delete(pendingKey);
    // X has the DM: a failure to note what follows must not fail the send (its retry would resend).
    const notes: Promise<void>[] = [this.noteQuota(sent.headers)];
    if (/^\d+$/.test(sent.eventId))
      notes.push(state.set<LastSent>(lastSentKey(participant), { eventId: sent.eventId }).then(() => {}));
    for (const note of notes) {
      await note.catch((error: unknown) =>
        this.log.warn({ err: error, key }, 'x: DM sent, but the quota or last sent DM was not stored'),
      );
    }
    return sent.eventId;
  }

  /**
   * The id of the DM of an ambiguous attempt, if X lists it: sent by the bot to `participant` with
   * this text, no older than the attempt and newer than the last DM confirmed before it.
   */
  private async findSent(
    participant: string,
    text: string,
    attempt: PendingSend,
  ): Promise<string | undefined> {
    try {
      const page = await this.client.dmEvents({ participantId: participant, maxResults: 20 });
      this.onEventsRead(page.events);
      const { since, after } = attempt;
      const match = page.events.find(
        (e) =>
          e.sender_id === this.botUserId &&
          e.text === text &&
          compareIds(e.id, since) >= 0 &&
          (after === undefined || compareIds(e.id, after) > 0),
      );
      return match?.id;
    } catch (error) {
      throw toCoreError(error);
    }
  }

  /** DM events X returned or pushed (billed): counted as reads, each once per UTC day. */
  private onEventsRead(events: readonly { id?: unknown }[]): void {
    const fresh = this.reads.countNew(events);
    if (fresh > 0) this.context?.countUsage?.({ inbound: fresh });
  }

  private onSendError(error: unknown): void {
    if (isAuthError(error)) this.tellAboutAuth();
    else if (isAppPermissionError(error)) {
      this.log.error(DM_PERMISSION_HINT);
      void this.context?.tellOwners(DM_PERMISSION_HINT, `x-dm-permission-${today()}`);
    } else if (isAccountRestricted(error)) {
      const why = xDescription(error);
      this.log.error({ err: error }, 'x: X refuses DMs from the business account (403)');
      void this.context?.tellOwners(
        `X refuses DMs from the business account (403: ${why}). It may be locked, suspended or flagged as automated: check it at x.com. X DMs are retried meanwhile; no customer is unsubscribed.`,
        `x-account-restricted-${today()}`,
      );
    }
  }

  /**
   * Broadcast DMs stop before X spending would pass the monthly budget (X_MONTHLY_BUDGET_USD);
   * replies to customers always go out.
   */
  private async checkBudget(message: OutboundMessage, pieces: number): Promise<void> {
    const pricing = this.capabilities.usagePricing;
    const budget = pricing?.monthlyBudgetUsd;
    const spent = this.context?.spentThisMonthUsd;
    if (!message.broadcast || !pricing || budget === undefined || !spent) return;
    const usd = await spent();
    if (usd + pieces * pricing.outboundUsd > budget) {
      throw new PermanentError(
        `x: broadcast DM not sent: it would pass the monthly X budget of $${budget.toFixed(2)} (about $${usd.toFixed(2)} spent); replies to customers still go out`,
      );
    }
  }

  /** Refuses to send while X says the 24-hour quota is used up (until its reset). */
  private checkDailyQuota(): void {
    const quota = this.quota;
    if (!quota || quota.remaining > 0) return;
    const wait = quota.resetAt - Date.now();
    if (wait > 0) {
      throw new RateLimitedError(wait, 'x: the 24-hour DM quota is used up until its reset', 'account');
    }
  }

  /** Remembers X's 24-hour quota (in the state too: a restart respects it) and warns when it runs low. */
  private async noteQuota(headers: IncomingHttpHeaders): Promise<void> {
    const limit = Number(headers['x-user-limit-24hour-limit']);
    const remaining = Number(headers['x-user-limit-24hour-remaining']);
    const untilReset = msUntilReset(headers, 'x-user-limit-24hour-reset');
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || untilReset === undefined) return;
    const quota = { limit, remaining, resetAt: Date.now() + untilReset };
    this.quota = quota;
    await this.requireState().set(QUOTA_KEY, quota);
    if (remaining <= Math.max(5, Math.floor(limit * 0.1))) {
      const at = new Date(quota.resetAt).toISOString().slice(0, 16).replace('T', ' ');
      void this.context?.tellOwners(
        `X: only ${remaining} of the ${limit} DMs X allows per 24 hours are left; the quota resets at ${at} UTC. Broadcasts to X wait until then.`,
        `x-daily-quota-${at.slice(0, 10)}`,
      );
    }
  }

  private tellAboutAuth(): void {
    this.log.error('x: X refused the access token (401)');
    void this.context?.tellOwners(
      'X refused Hearth’s access token (401): it was revoked or regenerated. Put the current X_ACCESS_TOKEN and X_ACCESS_SECRET in the settings and restart Hearth; X DMs wait until then.',
      `x-auth-${today()}`,
    );
  }

  private requireState(): AdapterState {
    if (!this.state) throw new TransientError('x: the adapter is not started');
    return this.state;
  }
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}
