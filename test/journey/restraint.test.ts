import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { instantOf, wallTimeAt } from '../../src/scheduler/zoned-time.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';
import { JOURNEY_FEATURES, memberIdOf, owner, say, sentTo } from './helpers.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Tomorrow 12:00 in Berlin (a time in the future, so rows stamped with the real clock are due). */
function tomorrowNoonBerlin(): Date {
  const wall = wallTimeAt(new Date(Date.now() + DAY), 'Europe/Berlin');
  return instantOf({ ...wall, hour: 12, minute: 0, second: 0 }, 'Europe/Berlin');
}

describe.each(TEST_DATABASES)('marketing restraint: weekly cap, quiet hours, the audit ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const texts = (platform: 'telegram' | 'discord' | 'x', chat: string) =>
    sentTo(app, platform, chat).map((e) => e.text);

  beforeAll(async () => {
    database = await kind.open();
    offset = tomorrowNoonBerlin().getTime() - Date.now();
    app = await startTestHearth({
      database,
      env: { HEARTH_TOPICS: 'news,offers', SCHEDULE_TIMEZONE: 'Europe/Berlin', MARKETING_RESTRAINT: 'true' },
      features: JOURNEY_FEATURES,
      now,
    });
  });
  afterAll(async () => app?.stop());

  it('at most 3 marketing messages a week: the 4th is dropped when it would be stale, held when owners allow', async () => {
    expect(await owner(app, 'restraint')).toBe(
      "Marketing restraint: at most 3 message(s) a week per member, quiet hours 21:00-09:00 in each member's timezone; held messages older than 48 h are dropped.",
    );
    await say(app, 'telegram', 'alice', '/subscribe news');
    for (const n of [1, 2, 3, 4]) await owner(app, `announce --now news Weekly news ${n}`);
    await until(
      () => texts('telegram', 'alice').filter((t) => t.startsWith('Weekly news')).length === 3,
      '3 sent',
    );
    const fourth = await until(
      () =>
        database.prisma.outbox.findFirst({
          where: { payload: { path: ['text'], equals: 'Weekly news 4' }, status: 'cancelled' },
        }),
      'the 4th dropped',
    );
    expect(fourth.lastError).toBe('not sent: weekly cap of 3 (would have been stale)');

    expect(await owner(app, 'restraint stale 240')).toContain('older than 240 h');
    await owner(app, 'announce --now news Weekly news 5');
    const fifth = await until(
      () =>
        database.prisma.outbox.findFirst({
          where: { payload: { path: ['text'], equals: 'Weekly news 5' }, status: 'pending' },
        }),
      'the 5th held',
    );
    // Held until the first of the week's three is a week old.
    expect(fifth.availableAt.getTime()).toBeGreaterThan(now().getTime() + 7 * DAY - HOUR);
    expect(texts('telegram', 'alice')).not.toContain('Weekly news 5');
    offset += 7 * DAY + 60_000;
    await until(() => texts('telegram', 'alice').includes('Weekly news 5'), 'the 5th sent a week later');
  });

  it("quiet hours in the member's own timezone; support replies are never held", async () => {
    expect(await say(app, 'discord', 'bob', '/timezone Mars/Olympus')).toContain("I don't know the timezone");
    expect(await say(app, 'discord', 'bob', '/timezone America/New_York')).toBe(
      'Thanks! Your timezone is now America/New_York.',
    );
    await say(app, 'discord', 'bob', '/subscribe offers');
    await say(app, 'x', 'xena', '/subscribe offers');
    // 12:00 in Berlin (a week on) is 06:00 in New York: bob's copy waits for 09:00 there.
    offset = tomorrowNoonBerlin().getTime() + 8 * DAY - Date.now();
    await owner(app, 'announce --now offers Fresh offers');
    await until(() => texts('x', 'xena').includes('Fresh offers'), 'xena (Berlin time, noon)');
    const bob = await memberIdOf(app, 'discord', 'bob');
    // The broadcast is enqueued page by page: bob's row may come after xena's copy went.
    const held = await until(
      () =>
        database.prisma.outbox.findFirst({
          where: { memberId: bob, payload: { path: ['text'], equals: 'Fresh offers' } },
        }),
      "bob's copy enqueued",
    );
    expect(held.status).toBe('pending');
    const wall = wallTimeAt(held.availableAt, 'America/New_York');
    expect([wall.hour, wall.minute]).toEqual([9, 0]);
    // A reply to bob is sent at once, quiet hours or not.
    expect(await say(app, 'discord', 'bob', '/topics')).toContain('offers');
    expect(texts('discord', 'bob')).not.toContain('Fresh offers');
    offset += 3 * HOUR + 60_000;
    await until(() => texts('discord', 'bob').includes('Fresh offers'), 'bob at 09:00 his time');
  });

  it('a poll that would reach a member only after it closes is dropped for them with the reason', async () => {
    // 21:30 in Berlin: xena (Berlin time) is in quiet hours until 09:00; the poll closes in 1 hour.
    offset = tomorrowNoonBerlin().getTime() + 9 * DAY + 9.5 * HOUR - Date.now();
    expect(await owner(app, 'poll --now "Which cake?" "Apple" "Plum" --closes 1h --to offers')).toMatch(
      /Poll `/,
    );
    const xena = await memberIdOf(app, 'x', 'xena');
    const row = await database.prisma.outbox.findFirstOrThrow({
      where: { memberId: xena, dedupeKey: { startsWith: 'poll:' } },
    });
    expect(row.status).toBe('cancelled');
    expect(row.lastError).toBe('not sent: quiet hours (would have been stale)');
  });

  it('/hearth audit proves consent at send time from the ledger, and finds a message without it', async () => {
    const clean = await owner(app, 'audit 30');
    expect(clean).toMatch(
      /: [5-9] marketing message\(s\) sent\.\nEvery one went to a member who had opted in/,
    );
    // A message that went to someone who never opted in (as a bug might have sent it).
    await say(app, 'telegram', 'carol', '/topics');
    const carol = await memberIdOf(app, 'telegram', 'carol');
    const broadcast = await database.prisma.broadcast.findFirstOrThrow();
    await database.prisma.outbox.create({
      data: {
        platform: 'telegram',
        chatId: 'carol',
        payload: { text: 'oops' },
        status: 'sent',
        sentAt: new Date(),
        memberId: carol,
        broadcastId: broadcast.id,
        dedupeKey: `broadcast:${broadcast.id}:${carol}`,
      },
    });
    const found = await owner(app, 'audit 30');
    expect(found).toMatch(/1 went without consent on record at the time:\n• message \d+ \(broadcast:/);
    expect(found).toContain(`to member ${carol.slice(0, 8)}`);
  });
});
