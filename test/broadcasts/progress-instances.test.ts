import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createBroadcastsFeature } from '../../src/features/broadcasts/index.ts';
import { ProgressReporter } from '../../src/features/broadcasts/progress.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';

const INTERVAL_MS = 2_000;
/** Far enough ahead that no worker claims the broadcast's rows: the test moves them itself. */
const NEVER = new Date('2100-01-01T00:00:00Z');

describe.each(TEST_DATABASES)('broadcast progress with several instances ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;
  let clock = Date.parse('2026-12-04T10:00:00.500Z');

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({
      database,
      // The instance's own reporter stays out of the way: the test runs two of its own.
      features: [createBroadcastsFeature({ progressMs: 3_600_000 })],
      now: () => new Date(clock),
    });
  });
  afterAll(async () => app?.stop());

  /** The edits of the owners' progress message stored so far, oldest first. */
  async function edits(): Promise<string[]> {
    const rows = await database.prisma.outbox.findMany({
      where: { payload: { path: ['editMessageId'], equals: 'progress-1' } },
      orderBy: { id: 'asc' },
    });
    return rows.map((r) => (r.payload as { text: string }).text);
  }

  it("edits the owners' message once per interval, whichever instances count; the final edit once", async () => {
    const broadcast = await database.prisma.broadcast.create({
      data: {
        payload: { text: 'Hello' },
        audience: { topics: ['news'], channelIds: [], label: 'news' },
        status: 'sending',
        total: 3,
        progressRef: { messageId: 'progress-1', platform: 'slack', chatId: '#owners' },
      },
    });
    await database.prisma.outbox.createMany({
      data: ['a', 'b', 'c'].map((chat) => ({
        platform: 'telegram',
        chatId: chat,
        payload: { text: 'Hello' },
        broadcastId: broadcast.id,
        availableAt: NEVER,
      })),
    });
    const services = app.hearth.services;
    const instances = [
      new ProgressReporter(services, INTERVAL_MS),
      new ProgressReporter(services, INTERVAL_MS),
    ];
    const round = () => Promise.all(instances.map((reporter) => reporter.update()));

    await round();
    expect(await edits()).toEqual([
      `Broadcast ${broadcast.id.slice(0, 8)} to news (sending): 3 recipients · sent 0 · failed 0 · pending 3`,
    ]);

    // One row goes out; within the same interval nobody edits again.
    const [first] = await database.prisma.outbox.findMany({ where: { broadcastId: broadcast.id }, take: 1 });
    await database.prisma.outbox.update({ where: { id: first?.id }, data: { status: 'sent' } });
    await round();
    expect(await edits()).toHaveLength(1);

    // The next interval: one edit between both instances, with the new counts.
    clock += INTERVAL_MS;
    await round();
    expect((await edits()).slice(1)).toEqual([expect.stringContaining('sent 1 · failed 0 · pending 2')]);

    // Drained within that same interval: the final edit still goes, once, and the metrics once.
    await database.prisma.outbox.updateMany({
      where: { broadcastId: broadcast.id },
      data: { status: 'sent' },
    });
    await round();
    await round();
    const all = await edits();
    expect(all).toHaveLength(3);
    expect(all[2]).toContain('(done): 3 recipients · sent 3 · failed 0 · pending 0');
    const sent = await database.prisma.metricEvent.findMany({ where: { type: 'delivery_sent' } });
    expect(sent.reduce((sum, m) => sum + (m.value ?? 0), 0)).toBe(3);
  });
});
