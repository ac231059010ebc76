import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VoteChoice } from '../../src/core/events.ts';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';
import { countsOf, owner, pollIdFrom, sentTo } from './helpers.ts';

/**
 * Native polls across platforms with different limits (the console simulates Discord and Telegram
 * with their adapters' own capabilities), and votes that arrive per option (Discord) or as the
 * whole choice (Telegram), counted in one tally.
 */
describe.each(TEST_DATABASES)('native polls: limits and per-option votes ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({ database });
    await database.prisma.channel.createMany({
      data: [
        { platform: 'discord', chatId: '#dc', name: 'dc', kind: 'group' },
        { platform: 'telegram', chatId: '#tg', name: 'tg', kind: 'group' },
      ],
    });
  });
  afterAll(async () => app?.stop());

  /** A native poll answer as the platform's adapter would hand it over. */
  const vote = (platform: 'discord' | 'telegram', userId: string, pollRef: string, choice: VoteChoice) =>
    app.hearth.bot.dispatch({
      kind: 'vote',
      id: `vote-${Math.random()}`,
      at: new Date(),
      address: { platform, chatId: userId },
      sender: { userId, isBot: false },
      isDirect: false,
      pollRef,
      choice,
    });

  it('refuses a poll that does not fit a platform it would go to natively, before posting anything', async () => {
    const long = 'An option that is far too long for a Discord poll answer box';
    expect(long.length).toBeGreaterThan(55);
    const [reply] = await owner(app, `/hearth poll --now "Which?" "${long}" "Short" --to #dc #tg`);
    expect(reply).toMatch(/Nothing was posted: this poll does not fit Discord's native polls/);
    expect(reply).toMatch(/has 60 characters \(at most 55\)/);
    expect(await database.prisma.poll.count()).toBe(0);
    expect(await database.prisma.outbox.count({ where: { platform: { in: ['discord', 'telegram'] } } })).toBe(
      0,
    );
    // Telegram alone takes 100-character options: the same poll goes out there.
    const [posted] = await owner(app, `/hearth poll --now "Which?" "${long}" "Short" --to #tg`);
    expect(posted).toMatch(/posted to 1 chat \(1 as a native poll\)/);
  });

  it('refuses a native poll that stays open longer than the platform allows', async () => {
    const [reply] = await owner(app, '/hearth poll --now "Long one?" "Yes" "No" --closes 40d --to #dc');
    expect(reply).toMatch(/stays open 960 hours \(at most 768\)/);
  });

  it('counts per-option adds and removes (Discord) and whole choices (Telegram) in one tally', async () => {
    const [reply] = await owner(
      app,
      '/hearth poll --now "Pick days" "Mon" "Tue" "Wed" --multi --closes 2d --to #dc #tg',
    );
    const pollId = await pollIdFrom(database, reply);
    const postIn = (platform: string, chatId: string) =>
      until(() => sentTo(app, platform, chatId).find((e) => e.poll?.pollId === pollId), `${platform} poll`);
    const discordPost = await postIn('discord', '#dc');
    const telegramPost = await postIn('telegram', '#tg');
    expect(discordPost?.poll?.closesAt).toBeDefined(); // the closing time reaches the adapter
    const discordRef = discordPost?.poll?.nativePollId ?? '';
    const telegramRef = telegramPost?.poll?.nativePollId ?? '';
    await until(
      async () =>
        (await database.prisma.pollPost.count({ where: { pollId, nativePollId: { not: null } } })) === 2,
      'native ids recorded',
    );
    await vote('discord', 'd1', discordRef, { add: 0 });
    await vote('discord', 'd1', discordRef, { add: 2 });
    await vote('discord', 'd1', discordRef, { add: 2 }); // a redelivery: nothing changes
    await vote('discord', 'd2', discordRef, { add: 1 });
    await vote('discord', 'd2', discordRef, { remove: 1 });
    await vote('discord', 'd2', discordRef, { add: 1 }); // add, remove, add again: counted
    await vote('telegram', 't1', telegramRef, { set: [0, 1] });
    await vote('telegram', 't1', telegramRef, { set: [1] });
    expect(await countsOf(database, pollId, 3)).toEqual([1, 2, 1]);
    await vote('discord', 'd1', discordRef, { remove: 0 });
    await vote('discord', 'd1', discordRef, { remove: 0 }); // again: nothing changes
    expect(await countsOf(database, pollId, 3)).toEqual([0, 2, 1]);
  });
});
