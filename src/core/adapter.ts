import type { AdapterState } from './adapter-state.ts';
import type { ChatAddress, Platform } from './events.ts';
import type { Logger } from './log.ts';
import type { OutboundMessage, SendResult } from './outbound.ts';
import type { InboundReceiver } from './receiver.ts';

export type { DispatchOutcome, DispatchProgress, EventSink } from './sink.ts';

/**
 * One send limit of a platform: at most `limit` sends per `windowMs`, counted over everything the
 * adapter sends (`account`: a bot, an X account) or per chat (`chat`). Telegram: 30 per second per
 * bot and 1 per second per chat; X: 15 per 15 minutes and 1,440 per day per account.
 */
export interface RateWindow {
  scope: 'account' | 'chat';
  limit: number;
  windowMs: number;
}

/** What a native poll may hold on a platform; a poll that does not fit is refused before posting. */
export interface PollLimits {
  maxQuestionLength: number;
  maxOptionLength: number;
  maxOptions: number;
  /** Longest a native poll may stay open (Discord: 768 hours); longer polls are refused. */
  maxDurationHours?: number;
}

/**
 * What a platform bills per message (X charges per DM read and per DM sent): owners see the usage
 * and its cost in the digest and `/hearth stats`, and are warned near the monthly budget.
 */
export interface UsagePricing {
  /** The platform as owners call it ("X"). */
  platformName: string;
  /** What one unit is called in reports ("DMs"). */
  unit: string;
  /** US dollars per inbound unit read from the platform. */
  inboundUsd: number;
  /** US dollars per outbound unit sent. */
  outboundUsd: number;
  /** Monthly spending limit in US dollars, if the owners set one. */
  monthlyBudgetUsd?: number;
}

/** What a platform can do; features branch on these, never on the platform's name. */
export interface Capabilities {
  buttons: boolean;
  nativePolls: boolean;
  /** Native polls in community chats must be anonymous (no per-member counting). */
  nativePollsAnonymousInGroups?: boolean;
  /** Limits of native polls (required where nativePolls is true). */
  pollLimits?: PollLimits;
  threads: boolean;
  editMessages: boolean;
  files: boolean;
  blocks: boolean;
  /** Longest text one message may carry; adapters split longer texts. */
  maxTextLength: number;
  /** The platform's send limits; the limiter and the broadcast pacer both read them. */
  rateLimits: readonly RateWindow[];
  /** Events may carry a ReplyHandle, which the adapter uses when a reply's row comes back to it. */
  replyHandles?: boolean;
  /**
   * A link that opens a direct chat with the bot and hands it a start payload (Telegram's
   * `https://t.me/<bot>?start=`): `${startLink}${payload}` arrives as `/start <payload>`.
   */
  startLink?: string;
  /** The platform bills per message: usage is counted and priced (see UsagePricing). */
  usagePricing?: UsagePricing;
  /**
   * Sending an outbox row again after its first attempt's outcome was lost (its process died during
   * the request) does not post it twice (Discord's nonce): such rows are sent again. Without it they
   * are in doubt and not sent again (Telegram has no idempotency key).
   */
  idempotentResend?: boolean;
}

/** A singleton role this instance takes part in (see AdapterContext.asLeader). */
export interface LeaderRole {
  readonly role: string;
  /** True while this instance holds the role (its work runs). */
  readonly held: boolean;
  /** Ends the work (if running) and gives the role up at once. */
  stop(): Promise<void>;
}

/** What an adapter gets at start: the one way into the core, durable state, and its logger. */
export interface AdapterContext {
  /** Hands events to the core (per-chat order, back-pressure, record-then-acknowledge, drain). */
  receiver: InboundReceiver;
  /** Durable key-value state of this platform, namespaced by account (a bot id, an account id). */
  state(account: string): AdapterState;
  /**
   * Runs `lead` in exactly one instance at a time across the processes sharing the database (a
   * long-polling loop, a gateway connection): it starts once this instance holds the role and its
   * `signal` aborts when the role is lost (stop receiving at once). Work that ends by itself gives the
   * role up and is started again after a growing pause. The adapter's stop() calls the role's stop().
   */
  asLeader(role: string, lead: (signal: AbortSignal) => Promise<void>): LeaderRole;
  /**
   * Tells the owners something in their private room (a revoked token, a paused platform, a quota
   * running out), through the outbox. `dedupeKey` sends a note once however often it is raised.
   */
  tellOwners(text: string, dedupeKey?: string): Promise<void>;
  /**
   * Counts billed units (messages read from and sent to a platform that charges for them, see
   * Capabilities.usagePricing) for the owners' cost reports. Absent where nothing is counted.
   */
  countUsage?(usage: { inbound?: number; outbound?: number }): void;
  /** What the platform's counted usage cost since the 1st of this month (UTC), in US dollars. */
  spentThisMonthUsd?(): Promise<number>;
  /** The business's subscription topics, by name (e.g. offered as choices of a slash command). */
  topics?(): Promise<string[]>;
  /**
   * Hearth's count per option of the votes recorded through this platform for the native poll with
   * this platform id (to compare with the platform's final counts); undefined when it is no Hearth
   * poll, or the poll was posted more than once on this platform (votes are not kept per post).
   */
  pollVotes?(nativePollId: string): Promise<number[] | undefined>;
  log: Logger;
}

export interface PlatformAdapter {
  readonly platform: Platform;
  readonly capabilities: Capabilities;
  /**
   * The owners' private room, when this adapter hosts it (Slack). Only such an adapter may mark a
   * sender `isOwner`; the core ignores the mark from any other.
   */
  readonly ownersChannel?: ChatAddress;
  /** Begin receiving; events go to `context.receiver`. Resolves once receiving has started. */
  start(context: AdapterContext): Promise<void>;
  /**
   * Send one message; throws RateLimitedError / PermanentError / TransientError. A message with a
   * `replyHandle` may be sent through it while it is valid.
   */
  send(message: OutboundMessage): Promise<SendResult>;
  /** Stops receiving, lets events in hand finish (the receiver drains), closes connections. */
  stop(): Promise<void>;
}

/** Sends per second a platform takes over everything it sends: its tightest account window. */
export function sendsPerSecond(windows: readonly RateWindow[]): number | undefined {
  let rate: number | undefined;
  for (const window of windows) {
    if (window.scope !== 'account') continue;
    const perSecond = (window.limit * 1000) / window.windowMs;
    rate = rate === undefined ? perSecond : Math.min(rate, perSecond);
  }
  return rate;
}
