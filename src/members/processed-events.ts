import { Batcher } from '../core/batcher.ts';
import type { InboundEvent } from '../core/events.ts';
import type { Db } from '../db/database.ts';

/** Handled marks gather this long into one UPDATE. */
const HANDLED_MARK_LINGER_MS = 10;

/**
 * Records inbound event ids under a unique key: the database decides what was seen, across
 * instances. Each event is kept as received until it is marked handled, so one whose process died
 * while handling it (after its receipt was acknowledged to the platform) can be handled again.
 */
export class ProcessedEvents {
  /** Concurrent events (a long-polling batch) are recorded with one INSERT per tick. */
  private readonly inserts = new Batcher<InboundEvent, boolean>((events) => this.insertMany(events));
  private readonly handled = new Batcher<InboundEvent, undefined>(
    (events) => this.markHandledMany(events),
    1000,
    HANDLED_MARK_LINGER_MS,
  );

  constructor(private readonly db: Db) {}

  /** True the first time an event id is recorded, false for a redelivery; resolves once it is stored. */
  markProcessed(event: InboundEvent): Promise<boolean> {
    return this.inserts.add(event);
  }

  /** The event was handled (its replies are in the outbox): it will not be handled again. */
  async markHandled(event: InboundEvent): Promise<void> {
    await this.handled.add(event);
  }

  /**
   * Takes up to `limit` events received over `staleMs` ago and never marked handled (their process
   * died while handling them), each for one instance only: their receipt time moves to now, so
   * another instance's sweep passes them by for another `staleMs`. Returns them as received.
   */
  async takeUnhandled(staleMs: number, limit = 100): Promise<InboundEvent[]> {
    const rows = await this.db.$queryRaw<{ event: unknown }[]>`
      UPDATE processed_event SET "receivedAt" = now()
      WHERE (platform, "eventId") IN (
        SELECT platform, "eventId" FROM processed_event
        WHERE "handledAt" IS NULL AND event IS NOT NULL
          AND "receivedAt" < now() - ${staleMs} * interval '1 millisecond'
        ORDER BY "receivedAt" LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING event`;
    return rows.flatMap((row) => {
      const event = revive(row.event);
      return event ? [event] : [];
    });
  }

  /**
   * Of events taken back as unhandled, those whose handling did finish: a reply to them (outbox
   * correlationId = the event id, on its platform) was enqueued, and only the handled mark died with
   * the process. Handling them again would answer the customer twice.
   */
  async alreadyAnswered(events: InboundEvent[]): Promise<Set<InboundEvent>> {
    if (events.length === 0) return new Set();
    const rows = await this.db.$queryRaw<{ platform: string; correlationId: string }[]>`
      SELECT DISTINCT platform, "correlationId" FROM outbox
      WHERE "correlationId" = ANY(${events.map((e) => e.id)}::text[])`;
    const answered = new Set(rows.map((r) => `${r.platform}\u0000${r.correlationId}`));
    return new Set(events.filter((e) => answered.has(`${e.address.platform}\u0000${e.id}`)));
  }

  /** Forgets records older than `before` (they only need to outlive the platforms' redelivery windows). */
  async prune(before: Date): Promise<number> {
    const result = await this.db.processedEvent.deleteMany({ where: { receivedAt: { lt: before } } });
    return result.count;
  }

  private async insertMany(events: InboundEvent[]): Promise<boolean[]> {
    const keyOf = (e: InboundEvent) => `${e.address.platform}\u0000${e.id}`;
    const unique = [...new Map(events.map((e) => [keyOf(e), e])).values()];
    const rows = await this.db.$queryRaw<{ platform: string; eventId: string }[]>`
      INSERT INTO processed_event (platform, "eventId", event)
      SELECT platform, event_id, event::jsonb
      FROM unnest(${unique.map((e) => e.address.platform)}::text[], ${unique.map((e) => e.id)}::text[],
        ${unique.map(stored)}::text[]) AS v(platform, event_id, event)
      ON CONFLICT DO NOTHING RETURNING platform, "eventId"`;
    const inserted = new Set(rows.map((r) => `${r.platform}\u0000${r.eventId}`));
    // The same id twice in one batch: only its first occurrence is new.
    return events.map((e) => inserted.delete(keyOf(e)));
  }

  private async markHandledMany(events: InboundEvent[]): Promise<undefined[]> {
    await this.db.$executeRaw`
      UPDATE processed_event AS p SET "handledAt" = now(), event = NULL
      FROM unnest(${events.map((e) => e.address.platform)}::text[], ${events.map((e) => e.id)}::text[])
        AS v(platform, event_id)
      WHERE p.platform = v.platform AND p."eventId" = v.event_id`;
    return events.map(() => undefined);
  }
}

/** The event as kept until handled: without the platform's raw payload. */
function stored(event: InboundEvent): string {
  const { raw: _raw, ...rest } = event;
  return JSON.stringify(rest);
}

/** An event read back from its JSON: `at` becomes a Date again; anything unusable is dropped. */
function revive(value: unknown): InboundEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as InboundEvent & { at: unknown };
  if (typeof event.id !== 'string' || typeof event.kind !== 'string') return undefined;
  const at = new Date(typeof event.at === 'string' ? event.at : Number.NaN);
  return { ...event, at: Number.isNaN(at.getTime()) ? new Date() : at };
}
