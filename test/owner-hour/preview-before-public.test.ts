import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';
import { type ConsoleReply, consoleDriver, OWNERS } from './console-helpers.ts';

/**
 * Issue 23 items 2, 9 and 10: whatever goes public (poll, announce, schedule) is previewed to the
 * owner first — what each platform gets, how many, when — and goes out only on "Post" (or --now);
 * unparsable arguments answer with the usage; an audience of nobody is warned about before.
 */
describe.each(TEST_DATABASES)('preview before anything goes public ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;
  const { ask, ownerSays, press } = consoleDriver(
    () => app,
    () => database,
  );

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({ database });
    await database.prisma.channel.createMany({
      data: [
        { platform: 'x', chatId: '#xchat', name: 'xchat', kind: 'group' },
        { platform: 'telegram', chatId: '#tg', name: 'tg', kind: 'group' },
      ],
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const button = (reply: ConsoleReply | undefined, label: string) =>
    reply?.buttons?.flat().find((b) => b.label === label)?.value ?? '';
  const sentToCommunity = () =>
    app.hub.transcript.after(0).filter((e) => e.direction === 'out' && e.chatId !== OWNERS);

  it('a poll without quotes is refused with the usage text; nothing is posted', async () => {
    const before = sentToCommunity().length;
    const answer = await ownerSays('/hearth poll Which cake? Lemon Chocolate');
    expect(answer.replies[0]?.text).toMatch(/Put the question in quotes/);
    expect(answer.replies[0]?.text).toContain('Usage: /hearth poll "Question?"');
    expect(await database.prisma.poll.count()).toBe(0);
    expect(sentToCommunity().length).toBe(before);
  });

  it('a poll is previewed per platform with its audience and posted only on Post, once', async () => {
    const answer = await ownerSays(
      '/hearth poll "Which cake?" "Lemon" "Chocolate" --to #tg #xchat --closes 2h',
    );
    const preview = answer.replies[0];
    expect(preview?.text).toContain('Preview: poll "Which cake?", now, closes');
    expect(preview?.text).toMatch(/telegram: 1 channel \(a native poll\)/);
    expect(preview?.text).toMatch(/x: 1 channel \(as numbered text\)\n> 📊 Which cake\?\n> 1\. Lemon/);
    expect(await database.prisma.poll.count()).toBe(0);

    const posted = await press('slack', 'owner-1', 'hearth:post', button(preview, 'Post'), OWNERS);
    expect(posted.replies[0]?.text).toMatch(/posted to 2 chats/);
    expect(posted.replies[0]?.text).toMatch(
      /It closes [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} at \d{2}:\d{2} UTC/,
    );
    expect(await database.prisma.poll.count()).toBe(1);
    await until(
      () => sentToCommunity().find((e) => e.chatId === '#xchat' && e.text.includes('Which cake?')),
      'the poll in #xchat',
    );
    const again = await press('slack', 'owner-1', 'hearth:post', button(preview, 'Post'), OWNERS);
    expect(again.replies[0]?.text).toMatch(/already posted/);
    expect(await database.prisma.poll.count()).toBe(1);
  });

  it('an announcement to a topic with 0 subscribers is warned about; Cancel sends nothing', async () => {
    const answer = await ownerSays('/hearth announce news Fresh bread at 7!');
    expect(answer.replies[0]?.text).toContain('⚠️ The topic news has 0 subscribers.');
    expect(answer.replies[0]?.text).toContain('Nobody would get this');
    const cancelled = await press(
      'slack',
      'owner-1',
      'hearth:discard',
      button(answer.replies[0], 'Cancel'),
      OWNERS,
    );
    expect(cancelled.replies[0]?.text).toMatch(/Cancelled: nothing was posted/);
    expect(await database.prisma.broadcast.count()).toBe(0);
  });

  it('an announcement shows each platform its own rendering and count; Post sends it; --now skips', async () => {
    await ask('tina', '/subscribe news', 'telegram');
    await ask('xavi', '/subscribe news', 'x');
    const answer = await ownerSays(
      '/hearth announce news Cakes are back! [Order](https://example.com/order)',
    );
    const text = answer.replies[0]?.text ?? '';
    expect(text).toMatch(
      /telegram: 1 subscriber get\n> Cakes are back!\n> \[Order → https:\/\/example.com\/order\]/,
    );
    expect(text).toMatch(/x: 1 subscriber get\n> Cakes are back!\n> Order: https:\/\/example.com\/order/);
    expect(text).not.toContain('0 subscribers');
    expect(await database.prisma.broadcast.count()).toBe(0);
    await press('slack', 'owner-1', 'hearth:post', button(answer.replies[0], 'Post'), OWNERS);
    await until(
      () => sentToCommunity().find((e) => e.chatId === 'xavi' && e.text.includes('Cakes are back')),
      'the broadcast to xavi',
    );

    const now = await ownerSays('/hearth announce --now news Second batch');
    expect(now.replies[0]?.text).toMatch(/on its way/);
    expect(await database.prisma.broadcast.count()).toBe(2);
  });

  it('a schedule is previewed with its time in the business timezone, in words', async () => {
    const answer = await ownerSays('/hearth schedule every monday 09:00 Europe/Berlin news Weekly menu');
    expect(answer.replies[0]?.text).toMatch(
      /Preview: broadcast to news, Mondays at 09:00 Europe\/Berlin, next on Mon \d{1,2} [A-Z][a-z]{2}/,
    );
    expect(answer.replies[0]?.text).not.toMatch(/cron|\d{4}-\d{2}-\d{2}T/);
    expect(await database.prisma.schedule.count()).toBe(0);
    const posted = await press('slack', 'owner-1', 'hearth:post', button(answer.replies[0], 'Post'), OWNERS);
    expect(posted.replies[0]?.text).toMatch(
      /^Scheduled [0-9a-f]{8}: Mondays at 09:00 Europe\/Berlin, next on/,
    );
    expect(await database.prisma.schedule.count()).toBe(1);
  });
});
