import { Prisma } from '../../../prisma/generated/client.ts';
import { Batcher } from '../../core/batcher.ts';
import type { Platform } from '../../core/events.ts';
import type { Db, Tx } from '../../db/database.ts';

/** The facts Hearth records for the owners' reports. */
export type MetricType =
  | 'message_received'
  | 'question_asked'
  | 'question_answered'
  | 'question_handed_off'
  | 'handoff_answered'
  | 'subscribed'
  | 'unsubscribed'
  | 'delivery_sent'
  | 'delivery_failed'
  | 'poll_vote'
  | 'poll_closed'
  | 'member_joined';

export interface MetricFact {
  type: MetricType;
  platform?: Platform;
  memberId?: string;
  value?: number;
  data?: Prisma.InputJsonValue;
  at?: Date;
}

/** Appends metric facts; reports aggregate them later. */
export class MetricsRecorder {
  /** Facts recorded outside a transaction at the same time are written with one INSERT per tick. */
  private readonly inserts = new Batcher<MetricFact, void>(async (facts) => {
    // Raw SQL: Prisma's createMany compiles a plan as large as the rows on every call.
    const values = facts.map((f) => {
      const row = toRow(f);
      const data = row.data === undefined ? null : JSON.stringify(row.data);
      return Prisma.sql`(${row.type}::text, ${row.platform}::text, ${row.memberId}::text,
        ${row.value}::float8, ${data}::jsonb, ${row.at})`;
    });
    await this.db.$executeRaw`
      INSERT INTO metric_event (type, platform, "memberId", value, data, at)
      VALUES ${Prisma.join(values)}`;
    return facts.map(() => undefined);
  });

  constructor(private readonly db: Db) {}

  /** Appends one fact (inside `tx` when given); resolves once it is stored. */
  async record(fact: MetricFact, tx: Tx | Db = this.db): Promise<void> {
    if (tx === this.db) return this.inserts.add(fact);
    await tx.metricEvent.create({ data: toRow(fact) });
  }

  async recordMany(facts: MetricFact[], tx: Tx | Db = this.db): Promise<void> {
    if (facts.length > 0) await tx.metricEvent.createMany({ data: facts.map(toRow) });
  }
}

function toRow(fact: MetricFact): Prisma.MetricEventCreateManyInput {
  return {
    type: fact.type,
    platform: fact.platform ?? null,
    memberId: fact.memberId ?? null,
    value: fact.value ?? null,
    ...(fact.data === undefined ? {} : { data: fact.data }),
    at: fact.at ?? new Date(),
  };
}
