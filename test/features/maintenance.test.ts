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
    const feature = maintenanceFeature({
      db,
      log: new CapturingLogger(),
      databaseKind: database.kind,
    } as unknown as Services);
    const job = feature.jobs?.[0];
    expect(job?.name).toBe('maintenance.prune');
    await job?.run(now);
    expect((await db.processedEvent.findMany()).map((e) => e.eventId)).toEqual(['recent']);
    expect((await db.outbox.findMany({ orderBy: { chatId: 'asc' } })).map((r) => r.chatId)).toEqual([
      'old-pending',
      'recent-sent',
    ]);
  });

  it('vacuums and analyses the embedded database hourly; a PostgreSQL server is left to its autovacuum', async () => {
    const db = database.prisma;
    const feature = maintenanceFeature({
      db,
      log: new CapturingLogger(),
      databaseKind: database.kind,
    } as unknown as Services);
    const vacuum = feature.jobs?.find((job) => job.name === 'maintenance.vacuum');
    if (database.kind === 'postgres') {
      expect(feature.jobs?.map((job) => job.name)).toEqual(['maintenance.prune']);
      return;
    }
    expect(vacuum?.cron).toBe('45 * * * *');
    await db.outbox.createMany({
      data: Array.from({ length: 50 }, (_, i) => ({ platform: 'telegram', chatId: `v${i}`, payload: {} })),
    });
    await db.outbox.updateMany({ where: { chatId: { startsWith: 'v' } }, data: { status: 'sent' } });
    // pg_class is written by VACUUM itself (n_dead_tup in the stats views can lag behind it).
    const stats = async () =>
      (
        await db.$queryRaw<{ pages: number; allVisible: number; tuples: number; vacuumed: Date | null }[]>`
          SELECT c.relpages AS pages, c.relallvisible AS "allVisible", c.reltuples AS tuples,
            s.last_vacuum AS vacuumed
          FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = 'outbox'`
      )[0];
    const before = await stats();
    expect(before?.allVisible).toBe(0);
    await vacuum?.run(new Date());
    const after = await stats();
    expect(after?.vacuumed).toBeInstanceOf(Date);
    expect(after?.vacuumed?.getTime()).not.toBe(before?.vacuumed?.getTime());
    // Dead row versions removed: every page is marked all-visible, and the statistics are fresh.
    expect(after?.pages).toBeGreaterThan(0);
    expect(after?.allVisible).toBe(after?.pages);
    expect(after?.tuples).toBe(await db.outbox.count());
  });
});
