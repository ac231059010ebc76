import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InboundEvent, Platform } from '../../src/core/events.ts';
import type { Database } from '../../src/db/database.ts';
import { MemberDirectory } from '../../src/members/directory.ts';
import { ProcessedEvents } from '../../src/members/processed-events.ts';
import { TEST_DATABASES } from '../support/databases.ts';

let seq = 0;
function message(userId: string, name = `user ${userId}`, platform: Platform = 'telegram'): InboundEvent {
  return {
    kind: 'message',
    id: `e${++seq}`,
    at: new Date(),
    address: { platform, chatId: userId },
    sender: { userId, name, isBot: false },
    isDirect: true,
    text: 'hi',
  };
}

describe.each(TEST_DATABASES)('batched inbound writes ($name)', (kind) => {
  let database: Database;

  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => database?.close());
  beforeEach(async () => {
    await database.prisma.identity.deleteMany();
    await database.prisma.member.deleteMany();
  });

  it('concurrent first messages, in one batch and from two instances, resolve to one member each', async () => {
    const a = new MemberDirectory(database.prisma);
    const b = new MemberDirectory(database.prisma);
    const users = ['u1', 'u2', 'u3'];
    const refs = await Promise.all(
      users.flatMap((u) => [a.identify(message(u)), a.identify(message(u)), b.identify(message(u))]),
    );
    for (const [i, user] of users.entries()) {
      const mine = refs.slice(i * 3, i * 3 + 3);
      expect(new Set(mine.map((r) => r.memberId)).size, user).toBe(1);
      expect(mine.filter((r) => r.isNew)).toHaveLength(1);
    }
    expect(await database.prisma.member.count()).toBe(3);
    expect(await database.prisma.identity.count()).toBe(3);
    const again = await a.identify(message('u2'));
    expect(again).toMatchObject({ memberId: refs[3]?.memberId, isNew: false });
  });

  it('one batch of returning senders on several platforms finds each identity on its own platform', async () => {
    const directory = new MemberDirectory(database.prisma);
    const platforms: Platform[] = ['telegram', 'discord', 'x'];
    const first = await Promise.all(
      platforms.map((p) => directory.identify(message('42', `ann on ${p}`, p))),
    );
    expect(new Set(first.map((r) => r.memberId)).size).toBe(3);
    // Same user id on three platforms, plus one unknown sender, all in one lookup batch.
    const again = await Promise.all([
      ...platforms.map((p) => directory.identify(message('42', `ann on ${p}`, p))),
      directory.identify(message('43', 'bob', 'discord')),
    ]);
    expect(again.slice(0, 3).map((r) => r.identityId)).toEqual(first.map((r) => r.identityId));
    expect(again.slice(0, 3).every((r) => !r.isNew)).toBe(true);
    expect(again[3]?.isNew).toBe(true);
    expect(await database.prisma.identity.count()).toBe(4);
  });

  it('a changed display name is written; an unchanged returning sender needs no write', async () => {
    const directory = new MemberDirectory(database.prisma);
    const first = await directory.identify(message('u9', 'Ann'));
    await directory.identify(message('u9', 'Ann B.'));
    const row = await database.prisma.identity.findUniqueOrThrow({ where: { id: first.identityId } });
    expect(row.displayName).toBe('Ann B.');
    expect(row.dmChatId).toBe('u9');
  });

  it('records each event id once, even when it comes twice in one batch', async () => {
    const processed = new ProcessedEvents(database.prisma);
    const event = message('u5');
    const other = message('u6');
    const outcomes = await Promise.all([
      processed.markProcessed(event),
      processed.markProcessed(event),
      processed.markProcessed(other),
    ]);
    expect(outcomes).toEqual([true, false, true]);
    expect(await processed.markProcessed(event)).toBe(false);
  });
});
