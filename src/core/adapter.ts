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

/** Receives normalised events; resolves once the event has been handled (replies enqueued). */
export type EventSink = (event: InboundEvent) => Promise<DispatchOutcome>;

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
