import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/core/events.ts';
import type { Database } from '../../src/db/database.ts';
import { FanOut } from '../../src/features/broadcasts/fan-out.ts';
import { TEST_DATABASES } from '../support/databases.ts';

const NOW = Date.parse('2026-11-23T09:00:00Z');
const RATES: Partial<Record<Platform, number>> = { telegram: 100, discord: 50 };

describe.each(TEST_DATABASES)('broadcast fan-out pages ($name)', (kind) => {
  let database: Database;
  let broadcastId: string;

  beforeAll(async () => {
    database = await kind.open();
    const db = database.prisma;
    await db.topic.create({ data: { name: 'news' } });
    // 23 subscribers, alternating platforms; member 5 blocked the bot, member 8 has no DM chat.
    for (let i = 0; i < 23; i++) {
      const platform = i % 2 === 0 ? 'telegram' : 'discord';
      const member = await db.member.create({ data: { id: `m${String(i).padStart(2, '0')}` } });
      const identity = await db.identity.create({
        data: {
          memberId: member.id,
          platform,
          platformUserId: `u${i}`,
          dmChatId: i === 8 ? null : `dm${i}`,
          reachable: i !== 5,
        },
      });
      await db.subscription.create({
        data: { memberId: member.id, topic: 'news', platform, identityId: identity.id },
      });
    }
    const broadcast = await db.broadcast.create({
      data: {
        payload: { text: 'Hello', link: { label: 'Shop', url: 'https://shop.example' } },
        audience: { topics: ['news'] },
      },
    });
    broadcastId = broadcast.id;
  });
  afterAll(async () => database?.close());

  const fanOut = (onBatch: (n: number) => void = () => {}) =>
    new FanOut({
      db: database.prisma,
      capabilitiesOf: () => undefined,
      batchSize: 4,
      now: () => new Date(NOW),
      rateOf: (platform) => RATES[platform] ?? 1,
      onBatch,
    });

  it('inserts one row per reachable subscriber, paced per platform across pages, once', async () => {
    const broadcast = await database.prisma.broadcast.findUniqueOrThrow({ where: { id: broadcastId } });
    const batches: number[] = [];
    expect(await fanOut((n) => batches.push(n)).run(broadcast, () => false)).toBe(true);
    expect(batches.length).toBeGreaterThan(3); // 23 subscribers in pages of 4

    const rows = await database.prisma.outbox.findMany({
      where: { broadcastId },
      orderBy: [{ platform: 'asc' }, { availableAt: 'asc' }],
    });
    const members = rows.map((r) => r.memberId).sort();
    expect(members).toHaveLength(21);
    expect(members).not.toContain('m05');
    expect(members).not.toContain('m08');
    for (const [platform, rate] of Object.entries(RATES)) {
      const mine = rows.filter((r) => r.platform === platform);
      // In member order, one every 1/rate seconds from now, with no gap at page boundaries.
      expect(mine.map((r) => r.memberId)).toEqual(mine.map((r) => r.memberId).sort());
      expect(mine.map((r) => r.availableAt.getTime() - NOW)).toEqual(mine.map((_, k) => (k * 1000) / rate));
    }
    const first = rows[0];
    expect(first?.chatId).toBe(`dm${Number(first?.memberId?.slice(1))}`);
    expect(first?.dedupeKey).toBe(`broadcast:${broadcastId}:${first?.memberId}`);
    // No buttons on an unknown platform: the link goes into the text.
    expect(first?.payload).toEqual({ text: 'Hello\nShop: https://shop.example' });

    const after = await database.prisma.broadcast.findUniqueOrThrow({ where: { id: broadcastId } });
    expect(after).toMatchObject({ status: 'sending', total: 21, cursor: null });
  });

  it('a second run (a restart that lost its cursor) inserts nothing twice', async () => {
    await database.prisma.broadcast.update({
      where: { id: broadcastId },
      data: { status: 'enqueuing', cursor: null },
    });
    const broadcast = await database.prisma.broadcast.findUniqueOrThrow({ where: { id: broadcastId } });
    expect(await fanOut().run(broadcast, () => false)).toBe(true);
    expect(await database.prisma.outbox.count({ where: { broadcastId } })).toBe(21);
    const after = await database.prisma.broadcast.findUniqueOrThrow({ where: { id: broadcastId } });
    expect(after.total).toBe(21);
  });
});
