import type { Prisma } from '../../prisma/generated/client.ts';
import { Batcher } from '../core/batcher.ts';
import type { Platform } from '../core/events.ts';
import type { Db, Tx } from '../db/database.ts';

/** The facts Hearth records for the owners' reports. */
export type MetricType =
  | 'message_received'
  | 'question_asked'
  | 'question_answered'
  | 'question_handed_off'
  | 'question_asked_back'
  | 'ask_back_picked'
  | 'faq_phrasing_learned'
  | 'handoff_answered'
  | 'subscribed'
  | 'unsubscribed'
  | 'delivery_sent'
  | 'delivery_failed'
  | 'poll_vote'
  | 'poll_closed'
  | 'member_joined'
  // The customer journey: a series link pressed; marketing held or dropped by the owners' restraint.
  | 'series_click'
  | 'marketing_held'
  | 'marketing_dropped';

export interface MetricFact {
  type: MetricType;
  platform?: Platform;
  memberId?: string;
  value?: number;
  data?: Prisma.InputJsonValue;
  at?: Date;
}

/** How long background facts (messages received, delivery outcomes) wait to be written together. */
const BACKGROUND_LINGER_MS = 50;

/** Appends metric facts; reports aggregate them later. */
export class MetricsRecorder {
  /** Facts recorded outside a transaction at the same time are written with one INSERT per tick. */
  private readonly inserts = new Batcher<MetricFact, undefined>((facts) => this.insertMany(facts));
  /** Facts nothing waits on (messages received, delivery outcomes): gathered, then one INSERT. */
  private readonly lingeringInserts = new Batcher<MetricFact, undefined>(
    (facts) => this.insertMany(facts),
    500,
    BACKGROUND_LINGER_MS,
  );

  constructor(private readonly db: Db) {}

  /**
   * Appends a fact that no reply or answer waits on (a message received, a delivery outcome); it
   * is written together with the others recorded within BACKGROUND_LINGER_MS. Resolves once stored.
   */
  recordInBackground(fact: MetricFact): Promise<void> {
    return this.lingeringInserts.add(fact);
  }

  /** Appends one fact (inside `tx` when given); resolves once it is stored. */
  async record(fact: MetricFact, tx: Tx | Db = this.db): Promise<void> {
    if (tx === this.db) return this.inserts.add(fact);
    await tx.metricEvent.create({ data: toRow(fact) });
  }

  async recordMany(facts: MetricFact[], tx: Tx | Db = this.db): Promise<void> {
    if (facts.length > 0) await tx.metricEvent.createMany({ data: facts.map(toRow) });
  }

  /** One INSERT for a batch. Raw SQL: Prisma's createMany compiles a plan as large as the rows. */
  private async insertMany(facts: MetricFact[]): Promise<undefined[]> {
    const now = new Date();
    await this.db.$executeRaw`
      INSERT INTO metric_event (type, platform, "memberId", value, data, at)
      SELECT type, platform, member_id, value, data::jsonb, at::timestamp(3)
      FROM unnest(
        ${facts.map((f) => f.type)}::text[], ${facts.map((f) => f.platform ?? null)}::text[],
        ${facts.map((f) => f.memberId ?? null)}::text[], ${facts.map((f) => f.value ?? null)}::float8[],
        ${facts.map((f) => (f.data === undefined ? null : JSON.stringify(f.data)))}::text[],
        ${facts.map((f) => (f.at ?? now).toISOString())}::text[]
      ) AS v(type, platform, member_id, value, data, at)`;
    return facts.map(() => undefined);
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
