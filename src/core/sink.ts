import type { InboundEvent } from './events.ts';

/**
 * Receives normalized events; resolves once the event has been handled (replies enqueued).
 * `progress.recorded` is called as soon as the event is stored as received, before it is handled
 * (or at once for events that are not stored): from then on a redelivery would be dropped as a
 * duplicate anyway, so a transport that acknowledges in batches (long polling) may fetch more then.
 * It throws only when the event could not be recorded (the database is down).
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
