import type { InboundEvent } from '../core/events.ts';
import type { Db } from '../db/database.ts';

/** Records inbound event ids under a unique key: the database decides what was seen, across instances. */
export class ProcessedEvents {
  constructor(private readonly db: Db) {}

  /** True the first time an event id is recorded, false for a redelivery. */
  async markProcessed(event: InboundEvent): Promise<boolean> {
    const rows = await this.db.$queryRaw<unknown[]>`
      INSERT INTO processed_event (platform, "eventId") VALUES (${event.address.platform}, ${event.id})
      ON CONFLICT DO NOTHING RETURNING 1`;
    return rows.length === 1;
  }

  /** Forgets records older than `before` (they only need to outlive the platforms' redelivery windows). */
  async prune(before: Date): Promise<number> {
    const result = await this.db.processedEvent.deleteMany({ where: { receivedAt: { lt: before } } });
    return result.count;
  }
}
