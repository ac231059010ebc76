import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/app/context.ts';
import type { Database } from '../../src/db/database.ts';
import { maintenanceFeature } from '../../src/features/maintenance.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { CapturingLogger } from '../support/logger.ts';

describe.each(TEST_DATABASES)('maintenance job ($name)', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => database?.close());

  it('prunes old dedupe records and finished outbox rows, keeping recent and pending ones', async () => {
    const db = database.prisma;
    const now = new Date('2026-11-23T03:30:00Z');
    const daysAgo = (d: number) => new Date(now.getTime() - d * 24 * 3600_000);
    await db.processedEvent.createMany({
      data: [
        { platform: 'telegram', eventId: 'old', receivedAt: daysAgo(8) },
        { platform: 'telegram', eventId: 'recent', receivedAt: daysAgo(1) },
      ],
    });
    const row = (status: string, createdAt: Date, chatId: string) => ({
      platform: 'telegram',
      chatId,
      payload: { text: 'x' },
      status,
      createdAt,
    });
    await db.outbox.createMany({
      data: [
        row('sent', daysAgo(31), 'old-sent'),
        row('dead', daysAgo(40), 'old-dead'),
        row('pending', daysAgo(40), 'old-pending'),
        row('sent', daysAgo(2), 'recent-sent'),
      ],
    });
    const feature = maintenanceFeature({ db, log: new CapturingLogger() } as unknown as Services);
    const job = feature.jobs?.[0];
    expect(job?.name).toBe('maintenance.prune');
    await job?.run(now);
    expect((await db.processedEvent.findMany()).map((e) => e.eventId)).toEqual(['recent']);
    expect((await db.outbox.findMany({ orderBy: { chatId: 'asc' } })).map((r) => r.chatId)).toEqual([
      'old-pending',
      'recent-sent',
    ]);
  });
});
