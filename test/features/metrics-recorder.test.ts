import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { MetricsRecorder } from '../../src/metrics/recorder.ts';
import { TEST_DATABASES } from '../support/databases.ts';

describe.each(TEST_DATABASES)('metrics recorder ($name)', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => database?.close());

  it('facts recorded together are written in one batch, every field exactly', async () => {
    const recorder = new MetricsRecorder(database.prisma);
    const at = new Date('2026-03-29T01:30:00.123Z');
    await Promise.all([
      recorder.record({
        type: 'delivery_sent',
        platform: 'telegram',
        memberId: 'm-1',
        value: 2.5,
        data: { broadcastId: 'b-1', note: 'é “x”' },
        at,
      }),
      recorder.record({ type: 'message_received' }),
    ]);
    const rows = await database.prisma.metricEvent.findMany({ orderBy: { id: 'asc' } });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      type: 'delivery_sent',
      platform: 'telegram',
      memberId: 'm-1',
      value: 2.5,
      data: { broadcastId: 'b-1', note: 'é “x”' },
    });
    expect(rows[0]?.at.toISOString()).toBe(at.toISOString());
    expect(rows[1]).toMatchObject({
      type: 'message_received',
      platform: null,
      memberId: null,
      value: null,
      data: null,
    });
    expect(Math.abs((rows[1]?.at.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('background facts (delivery outcomes) are stored once their promise resolves', async () => {
    const recorder = new MetricsRecorder(database.prisma);
    await database.prisma.metricEvent.deleteMany();
    const first = recorder.recordInBackground({ type: 'delivery_sent', platform: 'telegram' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = recorder.recordInBackground({
      type: 'delivery_failed',
      platform: 'discord',
      data: { error: 'x' },
    });
    await Promise.all([first, second]);
    const rows = await database.prisma.metricEvent.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.type, r.platform])).toEqual([
      ['delivery_sent', 'telegram'],
      ['delivery_failed', 'discord'],
    ]);
  });
});
