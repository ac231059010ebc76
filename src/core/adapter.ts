import type { InboundEvent, Platform } from './events.ts';
import type { OutboundMessage, SendResult } from './outbound.ts';

/** What a platform can do; features branch on these, never on the platform's name. */
export interface Capabilities {
  buttons: boolean;
  nativePolls: boolean;
  /** Native polls in community chats must be anonymous (no per-member counting). */
  nativePollsAnonymousInGroups?: boolean;
  threads: boolean;
  editMessages: boolean;
  files: boolean;
  blocks: boolean;
  /** Longest text one message may carry; adapters split longer texts. */
  maxTextLength: number;
  /** Platform-wide send rate the limiter keeps under (messages per second). */
  maxMessagesPerSecond: number;
  /** Per-chat send rate (messages per second). */
  maxMessagesPerSecondPerChat: number;
}

/**
 * Receives normalised events; resolves once the event has been handled (replies enqueued).
 * `progress.recorded` is called as soon as the event is stored as received, before it is handled
 * (or at once for events that are not stored): from then on a redelivery would be dropped as a
 * duplicate anyway, so a transport that acknowledges in batches (long polling) may fetch more then.
 */
export type EventSink = (event: InboundEvent, progress?: DispatchProgress) => Promise<DispatchOutcome>;

export interface DispatchProgress {
  recorded(): void;
}

export interface DispatchOutcome {
  /** False when the event was a duplicate or ignored. */
  handled: boolean;
  /** Outbox rows enqueued while handling this event. */
  enqueued: number;
}

export interface PlatformAdapter {
  readonly platform: Platform;
  readonly capabilities: Capabilities;
  /** Begin receiving; events go to `sink`. Resolves once receiving has started. */
  start(sink: EventSink): Promise<void>;
  /** Send one message; throws RateLimitedError / PermanentError / TransientError. */
  send(message: OutboundMessage): Promise<SendResult>;
  stop(): Promise<void>;
}
