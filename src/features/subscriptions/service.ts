import type { Platform } from '../../core/events.ts';
import type { Db } from '../../db/database.ts';
import type { Outbox } from '../../delivery/outbox.ts';
import type { MetricsRecorder } from '../../metrics/recorder.ts';
import { cancelBroadcastsLeftBehind } from '../broadcasts/stop-wins.ts';

export type ConsentSource = 'user' | 'platform' | 'owner' | 'system';

export interface SubscribeRequest {
  memberId: string;
  identityId: string;
  platform: Platform;
  topic: string;
  source: ConsentSource;
}

export interface UnsubscribeRequest {
  memberId: string;
  platform: Platform;
  /** A topic, or null for all topics. */
  topic: string | null;
  source: ConsentSource;
  reason?: string;
}

/** Topics, subscriptions and the consent ledger; state and ledger change in one transaction. */
export class SubscriptionService {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly metrics: MetricsRecorder,
  ) {}

  async listTopics(): Promise<{ name: string; description: string | null }[]> {
    return this.db.topic.findMany({ orderBy: { name: 'asc' }, select: { name: true, description: true } });
  }

  async topicExists(name: string): Promise<boolean> {
    return (await this.db.topic.count({ where: { name } })) > 0;
  }

  /** Creates the given topics when there are none yet (first start). */
  async seedTopics(names: string[]): Promise<void> {
    if ((await this.db.topic.count()) > 0) return;
    await this.db.topic.createMany({ data: names.map((name) => ({ name })), skipDuplicates: true });
  }

  async addTopic(name: string, description?: string): Promise<void> {
    await this.db.topic.upsert({
      where: { name },
      create: { name, description: description ?? null },
      update: {},
    });
  }

  async removeTopic(name: string): Promise<boolean> {
    const result = await this.db.topic.deleteMany({ where: { name } });
    return result.count > 0;
  }

  async topicsOf(memberId: string): Promise<string[]> {
    const rows = await this.db.subscription.findMany({ where: { memberId }, orderBy: { topic: 'asc' } });
    return rows.map((r) => r.topic);
  }

  /** Opts in; returns false when already subscribed (nothing is written then). */
  async subscribe(request: SubscribeRequest): Promise<boolean> {
    const { memberId, identityId, platform, topic, source } = request;
    const created = await this.db.$transaction(async (tx) => {
      const existing = await tx.subscription.findUnique({ where: { memberId_topic: { memberId, topic } } });
      if (existing && existing.platform === platform) return false;
      await tx.subscription.upsert({
        where: { memberId_topic: { memberId, topic } },
        create: { memberId, topic, platform, identityId },
        update: { platform, identityId },
      });
      await tx.consentEvent.create({ data: { memberId, topic, action: 'subscribe', platform, source } });
      await this.metrics.record({ type: 'subscribed', platform, memberId, data: { topic } }, tx);
      return true;
    });
    return created;
  }

  /**
   * Opts out of one topic or all; returns the topics left. Pending broadcast messages to the member
   * are cancelled in the same transaction: STOP wins over anything queued.
   */
  async unsubscribe(request: UnsubscribeRequest): Promise<string[]> {
    const { memberId, platform, topic, source, reason } = request;
    return this.db.$transaction(async (tx) => {
      const current = await tx.subscription.findMany({
        where: { memberId, ...(topic ? { topic } : {}) },
        select: { topic: true },
      });
      if (current.length === 0) return [];
      await tx.subscription.deleteMany({ where: { memberId, topic: { in: current.map((c) => c.topic) } } });
      await tx.consentEvent.createMany({
        data: current.map((c) => ({
          memberId,
          topic: c.topic,
          action: 'unsubscribe',
          platform,
          source,
          reason: reason ?? null,
        })),
      });
      await this.metrics.recordMany(
        current.map((c) => ({
          type: 'unsubscribed' as const,
          platform,
          memberId,
          data: { topic: c.topic, source },
        })),
        tx,
      );
      const remaining = await tx.subscription.count({ where: { memberId } });
      if (remaining === 0) await this.outbox.cancelPending({ memberId, broadcastOnly: true }, tx);
      // Pending broadcasts to topics the member is no longer in (STOP from one topic of several).
      else await cancelBroadcastsLeftBehind(tx, memberId);
      return current.map((c) => c.topic);
    });
  }
}
