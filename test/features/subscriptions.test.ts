import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';

describe.each(TEST_DATABASES)('subscriptions and the consent ledger ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({ database, env: { HEARTH_TOPICS: 'news,offers' } });
  });
  afterAll(async () => app?.stop());

  async function say(userId: string, text: string, extra: Record<string, unknown> = {}) {
    const res = await app.post('/console/api/messages', { platform: 'discord', userId, text, ...extra });
    expect(res.status).toBe(200);
    return (res.body as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
  }

  async function ledger(userId: string) {
    const identity = await database.prisma.identity.findUniqueOrThrow({
      where: { platform_platformUserId: { platform: 'discord', platformUserId: userId } },
    });
    const rows = await database.prisma.consentEvent.findMany({
      where: { memberId: identity.memberId },
      orderBy: { id: 'asc' },
    });
    return { memberId: identity.memberId, rows: rows.map((r) => `${r.action}:${r.topic}:${r.source}`) };
  }

  it('/start and /help list the commands; /topics lists the seeded topics', async () => {
    expect(await say('cara', '/start')).toMatch(/\/subscribe \[topic\].*\n.*\/unsubscribe/s);
    expect(await say('cara', '/help')).toContain('/topics');
    expect(await say('cara', '/topics')).toMatch(/• news\n• offers/);
  });

  it('subscribes per topic, refuses unknown topics, and marks subscribed topics', async () => {
    expect(await say('dan', '/subscribe news')).toContain("You're subscribed to news");
    expect(await say('dan', '/subscribe OFFERS')).toContain("You're subscribed to offers");
    expect(await say('dan', '/subscribe news')).toContain("You're already subscribed to news");
    expect(await say('dan', '/subscribe weather')).toBe('There is no topic "weather". Topics: news, offers.');
    expect(await say('dan', '/topics')).toMatch(/✓ news\n✓ offers/);
    expect((await ledger('dan')).rows).toEqual(['subscribe:news:user', 'subscribe:offers:user']);
  });

  it('unsubscribes one topic, then all; every change is in the ledger and the state follows it', async () => {
    await say('eve', '/subscribe news');
    await say('eve', '/subscribe offers');
    expect(await say('eve', '/unsubscribe offers')).toBe("You're unsubscribed from offers.");
    expect(await say('eve', '/unsubscribe offers')).toBe("You're not subscribed to offers.");
    const { memberId } = await ledger('eve');
    expect(
      await database.prisma.subscription.findMany({ where: { memberId }, select: { topic: true } }),
    ).toEqual([{ topic: 'news' }]);
    expect(await say('eve', '/unsubscribe all')).toBe("You're unsubscribed from news.");
    expect(await database.prisma.subscription.count({ where: { memberId } })).toBe(0);
    expect((await ledger('eve')).rows).toEqual([
      'subscribe:news:user',
      'subscribe:offers:user',
      'unsubscribe:offers:user',
      'unsubscribe:news:user',
    ]);
  });

  it('STOP wins: pending broadcast messages to the member are cancelled, other messages are not', async () => {
    await say('finn', '/subscribe news');
    const { memberId } = await ledger('finn');
    const later = new Date(Date.now() + 3600_000);
    const broadcastRow = await app.hearth.outbox.enqueue({
      to: { platform: 'discord', chatId: 'finn' },
      content: { text: 'Weekly news' },
      memberId,
      broadcastId: 'b-1',
      availableAt: later,
    });
    const otherRow = await app.hearth.outbox.enqueue({
      to: { platform: 'discord', chatId: 'finn' },
      content: { text: 'An answer to your question' },
      memberId,
      availableAt: later,
    });
    expect(await say('finn', 'stop!')).toMatch(/You're unsubscribed from everything \(news\)/);
    const status = async (id: string) =>
      (await database.prisma.outbox.findUniqueOrThrow({ where: { id: BigInt(id) } })).status;
    expect(await status(broadcastRow)).toBe('cancelled');
    expect(await status(otherRow)).toBe('pending');
    expect((await ledger('finn')).rows).toEqual(['subscribe:news:user', 'unsubscribe:news:user']);
    expect(await say('finn', 'STOP')).toBe(
      "You're not subscribed to anything, so you won't get updates from us.",
    );
  });

  it('in a group, /subscribe points to a private chat and records nothing', async () => {
    expect(await say('gus', '/subscribe news', { chatId: 'group-1' })).toBe(
      'To get updates, message me privately and send /subscribe there.',
    );
    expect((await ledger('gus')).rows).toEqual([]);
  });

  it('subscribing on a second platform moves delivery there, with a ledger entry', async () => {
    await say('hana', '/subscribe news');
    const { memberId } = await ledger('hana');
    // Link a Telegram identity to the same member, then subscribe from Telegram.
    await database.prisma.identity.create({
      data: { memberId, platform: 'telegram', platformUserId: 'hana-tg', dmChatId: 'hana-tg' },
    });
    const res = await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 'hana-tg',
      text: '/subscribe news',
    });
    expect(JSON.stringify(res.body)).toContain("You're subscribed to news");
    const sub = await database.prisma.subscription.findUniqueOrThrow({
      where: { memberId_topic: { memberId, topic: 'news' } },
    });
    expect(sub.platform).toBe('telegram');
    expect(await database.prisma.consentEvent.count({ where: { memberId, action: 'subscribe' } })).toBe(2);
  });
});
