import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { startTelegramHearth, type TelegramHearth } from '../telegram/harness.ts';
import { BOT_ID, BOT_TOKEN, BOT_USERNAME, groupChat, pollAnswer, user } from '../telegram/updates.ts';
import { countsOf, owner, pollIdFrom, sentTo } from './helpers.ts';

const GROUP = -1001234567;
const HOUR = 3_600_000;

/** A press on an inline button of a message the bot sent in the group. */
function groupPress(userId: number, data: string, messageId: number) {
  return {
    callback_query: {
      id: `${userId}${messageId}77`,
      from: user(userId),
      message: {
        message_id: messageId,
        from: { id: BOT_ID, is_bot: true, first_name: 'Hearth', username: BOT_USERNAME },
        chat: groupChat(GROUP),
        date: Math.floor(Date.now() / 1000),
        text: 'poll',
      },
      chat_instance: '-99',
      data,
    },
  };
}

describe.each(TEST_DATABASES)('polls through the real telegraf against the fake Bot API ($name)', (kind) => {
  let database: Database;
  let tg: TelegramHearth;
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  let pollId = '';

  beforeAll(async () => {
    database = await kind.open();
    tg = await startTelegramHearth(database, { now });
    await database.prisma.channel.create({
      data: { platform: 'telegram', chatId: String(GROUP), name: 'bakery', title: 'Bakery friends' },
    });
  });
  afterAll(async () => tg?.stop());

  /** Waits until the vote table holds exactly `expected` per option. */
  const tallied = (id: string, expected: number[]) =>
    until(
      async () => JSON.stringify(await countsOf(database, id, expected.length)) === JSON.stringify(expected),
      `votes ${expected.join('/')}`,
    );

  it('posts a native, non-anonymous poll with sendPoll and maps its poll id back', async () => {
    const [reply] = await owner(
      tg.app,
      '/hearth poll --now "Fresh bread day?" "Monday" "Tuesday" "Friday" --closes 2h --to #bakery',
    );
    expect(reply).toMatch(/posted to 1 chat \(1 as a native poll\)/);
    pollId = await pollIdFrom(database, reply);
    const sent = await tg.fake.waitFor(
      () => tg.fake.sent(GROUP).find((m) => m.method === 'sendPoll'),
      15_000,
      'sendPoll',
    );
    expect(sent.body).toMatchObject({ question: 'Fresh bread day?' });
    expect(String(sent.body.is_anonymous)).toBe('false');
    expect(tg.fake.sent(GROUP).filter((m) => m.method === 'sendMessage')).toHaveLength(0);
    const post = await until(
      () => database.prisma.pollPost.findFirst({ where: { pollId, nativePollId: { not: null } } }),
      'native poll id stored',
    );
    expect(post).toMatchObject({
      platform: 'telegram',
      chatId: String(GROUP),
      rendering: 'native',
      messageId: String(sent.messageId),
    });
  });

  it('counts poll_answer updates; a changed answer replaces the old one; a retracted one is removed', async () => {
    const post = await database.prisma.pollPost.findFirstOrThrow({ where: { pollId } });
    const ref = post.nativePollId ?? '';
    tg.fake.pushUpdate(
      BOT_TOKEN,
      pollAnswer(501, ref, [0]),
      pollAnswer(502, ref, [1]),
      pollAnswer(503, ref, [2]),
    );
    await tallied(pollId, [1, 1, 1]);
    // One member's answers go one after the other here: telegraf handles a batch of updates
    // concurrently, so two answers of one member in the same batch may be applied in either order.
    tg.fake.pushUpdate(BOT_TOKEN, pollAnswer(501, ref, []));
    await tallied(pollId, [0, 1, 1]);
    tg.fake.pushUpdate(
      BOT_TOKEN,
      pollAnswer(501, ref, [1]),
      pollAnswer(503, ref, []),
      pollAnswer(504, ref, [1]),
    );
    await tallied(pollId, [0, 3, 0]);
  });

  it('closes on the scheduler clock: stopPoll is called, results reach the group and the owners', async () => {
    offsetMs += 2 * HOUR + 61_000; // the polls.close-due job runs on the scheduler's next tick
    const stop = await tg.fake.waitFor(
      () => tg.fake.calls.find((c) => c.method === 'stopPoll'),
      20_000,
      'stopPoll',
    );
    const post = await database.prisma.pollPost.findFirstOrThrow({ where: { pollId } });
    expect(String(stop.body.chat_id)).toBe(String(GROUP));
    expect(String(stop.body.message_id)).toBe(post.messageId);
    const results = await tg.replyIn(GROUP, 'Poll results');
    expect(results.text).toContain(
      '░░░░░░░░░░   0% (0)  Monday\n██████████ 100% (3)  Tuesday\n░░░░░░░░░░   0% (0)  Friday',
    );
    expect(results.text).toContain('3 people voted.');
    const owners = await until(
      () => sentTo(tg.app, 'slack', '#owners').find((e) => e.text.includes('Poll results: Fresh bread day?')),
      'owner results',
    );
    expect(owners.blocks).toBeDefined();
    expect((await database.prisma.poll.findUniqueOrThrow({ where: { id: pollId } })).status).toBe('closed');
  });

  it('a poll_answer after closing is refused (not counted)', async () => {
    const post = await database.prisma.pollPost.findFirstOrThrow({ where: { pollId } });
    tg.fake.pushUpdate(BOT_TOKEN, pollAnswer(505, post.nativePollId ?? '', [0]));
    await until(() => tg.app.log.find('info', 'vote after closing refused').length > 0, 'refusal logged');
    expect(await countsOf(database, pollId, 3)).toEqual([0, 3, 0]);
  });

  it('an --anonymous poll is shown with inline buttons; presses toggle and are counted per member', async () => {
    const [reply] = await owner(
      tg.app,
      '/hearth poll --now "Quiet question?" "Yes" "No" --anonymous --to #bakery',
    );
    expect(reply).toMatch(/1 with buttons/);
    const second = await pollIdFrom(database, reply);
    const message = await tg.replyIn(GROUP, 'Quiet question?');
    const keyboard = message.keyboard?.flat() ?? [];
    expect(keyboard.map((b) => b.text)).toEqual(['Yes', 'No']);
    const yes = keyboard[0]?.callback_data ?? '';
    const no = keyboard[1]?.callback_data ?? '';
    tg.fake.pushUpdate(
      BOT_TOKEN,
      groupPress(601, yes, message.messageId),
      groupPress(602, no, message.messageId),
    );
    await tallied(second, [1, 1]);
    tg.fake.pushUpdate(BOT_TOKEN, groupPress(601, no, message.messageId)); // changes to No
    await tallied(second, [0, 2]);
    await tg.fake.waitFor(
      () => tg.fake.calls.filter((c) => c.method === 'answerCallbackQuery').length >= 3,
      15_000,
      'every press answered',
    );
  });

  it('a broadcast channel (only anonymous native polls there) gets buttons, so votes still count', async () => {
    const CHANNEL = -1009876543;
    await database.prisma.channel.create({
      data: { platform: 'telegram', chatId: String(CHANNEL), name: 'bakerynews', kind: 'channel' },
    });
    const [reply] = await owner(
      tg.app,
      '/hearth poll --now "New opening hours?" "Yes" "No" --to #bakerynews',
    );
    expect(reply).toMatch(/posted to 1 chat \(1 with buttons\)/);
    const message = await tg.replyIn(CHANNEL, 'New opening hours?');
    expect(message.method).toBe('sendMessage');
    expect(message.keyboard?.flat().map((b) => b.text)).toEqual(['Yes', 'No']);
    expect(tg.fake.sent(CHANNEL).filter((m) => m.method === 'sendPoll')).toHaveLength(0);
  });

  it("a vote that arrives before its poll's send is recorded still counts", async () => {
    // Telegram shows the poll (and members vote) before Hearth has its answer with the poll's id.
    tg.fake.failNext({ kind: 'late-answer', ms: 1500 }, { method: 'sendPoll' });
    const creating = owner(tg.app, '/hearth poll --now "Early bird?" "Yes" "No" --to #bakery');
    const sent = await tg.fake.waitFor(
      () => tg.fake.sent(GROUP).find((m) => m.method === 'sendPoll' && m.text === 'Early bird?'),
      15_000,
      'the poll in the group',
    );
    tg.fake.pushUpdate(BOT_TOKEN, pollAnswer(601, sent.pollId ?? '', [1]));
    const early = await database.prisma.poll.findFirstOrThrow({ where: { question: 'Early bird?' } });
    await tallied(early.id, [0, 1]);
    await creating;
  });

  it('a native poll whose send finishes after the poll was closed is stopped at once', async () => {
    tg.fake.failNext({ kind: 'slow', ms: 5000 }, { method: 'sendPoll' });
    // The delivery worker is held by the slow send, so the owner's replies wait too: not awaited here.
    const asOwner = (text: string) =>
      tg.app.post('/console/api/messages', { platform: 'slack', userId: 'owner', chatId: '#owners', text });
    const creating = asOwner('/hearth poll --now "Slow one?" "A" "B" --to #bakery');
    // The fake records the call before holding its answer: the poll is on its way, not yet sent.
    await tg.fake.waitFor(
      () => tg.fake.calls.find((c) => c.method === 'sendPoll' && c.body.question === 'Slow one?'),
      15_000,
      'the slow sendPoll',
    );
    const slow = await database.prisma.poll.findFirstOrThrow({ where: { question: 'Slow one?' } });
    const closing = asOwner(`/hearth poll close ${slow.id.slice(0, 8)}`);
    await until(
      async () =>
        (await database.prisma.poll.findUniqueOrThrow({ where: { id: slow.id } })).status === 'closed',
      'the poll closed',
    );
    const post = await until(
      () => database.prisma.pollPost.findFirst({ where: { pollId: slow.id, messageId: { not: null } } }),
      'the late send recorded',
    );
    const stop = await tg.fake.waitFor(
      () =>
        tg.fake.calls.find((c) => c.method === 'stopPoll' && String(c.body.message_id) === post.messageId),
      15_000,
      'stopPoll of the late poll',
    );
    expect(String(stop.body.chat_id)).toBe(String(GROUP));
    await Promise.all([creating, closing]);
  });
});
