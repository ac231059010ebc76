import { Batcher } from '../core/batcher.ts';
import type { InboundEvent } from '../core/events.ts';
import type { Db } from '../db/database.ts';

/** Records inbound event ids under a unique key: the database decides what was seen, across instances. */
export class ProcessedEvents {
  /** Concurrent events (a long-polling batch) are recorded with one INSERT per tick. */
  private readonly inserts = new Batcher<InboundEvent, boolean>((events) => this.insertMany(events));

  constructor(private readonly db: Db) {}

  /** True the first time an event id is recorded, false for a redelivery; resolves once it is stored. */
  markProcessed(event: InboundEvent): Promise<boolean> {
    return this.inserts.add(event);
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
      INSERT INTO processed_event (platform, "eventId")
      SELECT * FROM unnest(${unique.map((e) => e.address.platform)}::text[], ${unique.map((e) => e.id)}::text[])
      ON CONFLICT DO NOTHING RETURNING platform, "eventId"`;
    const inserted = new Set(rows.map((r) => `${r.platform}\u0000${r.eventId}`));
    // The same id twice in one batch: only its first occurrence is new.
    return events.map((e) => inserted.delete(keyOf(e)));
  }
}
