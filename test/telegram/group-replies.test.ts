/**
 * What the bot posts into a group or channel, where everyone sees it: never a customer's words that
 * Telegram would turn into a mention or a link, and no post per press on a closed poll's buttons.
 * Real telegraf against the fake Bot API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { owner, pollIdFrom } from '../polls/helpers.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { startTelegramHearth, type TelegramHearth } from './harness.ts';
import { BOT_TOKEN, BOT_USERNAME, channelChat, groupText, privateText, user } from './updates.ts';

describe.each(TEST_DATABASES)('telegram: what the bot posts where everyone reads ($name)', (kind) => {
  let t: TelegramHearth;
  let database: Database;
  const GROUP = -1005550000001;
  const CHANNEL = -1005550000009;

  beforeAll(async () => {
    database = await kind.open();
    t = await startTelegramHearth(database);
    await database.prisma.topic.create({ data: { name: 'cakes' } });
    await database.prisma.channel.create({
      data: { platform: 'telegram', chatId: String(CHANNEL), name: 'news', kind: 'channel' },
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("does not repeat a customer's @username or link as a topic name", async () => {
    t.fake.pushUpdate(BOT_TOKEN, groupText(GROUP, 5502, `/unsubscribe@${BOT_USERNAME} @somebody_else`));
    const answer = await t.fake.waitFor(
      () => t.fake.sent(GROUP).find((m) => m.text.includes('not subscribed')),
      15_000,
      'the answer',
    );
    expect(answer.body.parse_mode).toBeUndefined();
    expect(answer.text).not.toContain('@somebody_else');
    t.fake.pushUpdate(BOT_TOKEN, privateText(5502, '/subscribe shop.example/win'));
    const refused = await t.fake.waitFor(
      () => t.fake.sent(5502).find((m) => m.text.includes('There is no topic')),
      15_000,
      'the refusal',
    );
    expect(refused.text).not.toContain('shop.example');
    t.fake.pushUpdate(BOT_TOKEN, groupText(GROUP, 5502, `/unsubscribe@${BOT_USERNAME} cakes`));
    const quoted = await t.fake.waitFor(
      () => t.fake.sent(GROUP).find((m) => m.text.includes('not subscribed to cakes')),
      15_000,
      'a plain topic name quoted back',
    );
    expect(quoted.text).toBe("You're not subscribed to cakes.");
  });

  it('presses on a closed poll do not make the bot post into the channel', async () => {
    const [reply] = await owner(t.app, '/hearth poll --now "Open on Sundays?" "Yes" "No" --to #news');
    const pollId = await pollIdFrom(database, reply);
    const message = await t.replyIn(CHANNEL, 'Open on Sundays?');
    const data = message.keyboard?.flat()[0]?.callback_data ?? '';
    expect(data).not.toBe('');
    await owner(t.app, `/hearth poll close ${pollId.slice(0, 8)}`);
    await t.replyIn(CHANNEL, 'Poll results');
    // The post loses its buttons (an edit without reply_markup), before the results are posted.
    const edit = t.fake.calls.find(
      (c) => c.method === 'editMessageText' && Number(c.body.message_id) === Number(message.messageId),
    );
    expect(edit?.body.text).toContain('This poll is closed');
    expect(edit?.body.reply_markup).toBeUndefined();
    const press = (userId: number, n: number) => ({
      callback_query: {
        id: `press-${userId}-${n}`,
        from: user(userId),
        message: {
          message_id: message.messageId,
          sender_chat: channelChat(CHANNEL, 'Bakery news'),
          chat: channelChat(CHANNEL, 'Bakery news'),
          date: Math.floor(Date.now() / 1000),
          text: 'Open on Sundays?',
        },
        chat_instance: '-5',
        data,
      },
    });
    t.fake.pushUpdate(BOT_TOKEN, press(5701, 1), press(5702, 2), press(5703, 3));
    await t.fake.waitFor(
      () => t.fake.calls.filter((c) => c.method === 'answerCallbackQuery').length >= 3,
      15_000,
      'the presses answered',
    );
    await until(
      () =>
        t.app.log.find('info', 'vote after closing refused').filter((e) => e.fields.pollId === pollId)
          .length >= 3,
      'the three presses handled',
    );
    await new Promise((resolve) => setTimeout(resolve, 1000)); // time for a post to reach the fake
    expect(t.fake.sent(CHANNEL).filter((m) => m.text.includes('closed now'))).toEqual([]);
    expect(await database.prisma.vote.count({ where: { pollId } })).toBe(0);
  });

  it('a registered group upgraded to a supergroup keeps its registration under the new id', async () => {
    const OLD = -5550001;
    const NEW = -1005550000077;
    await database.prisma.channel.create({
      data: { platform: 'telegram', chatId: String(OLD), name: 'bakers', kind: 'group' },
    });
    // Telegram's service message in the old group: "migrated to" the supergroup's new id.
    t.fake.pushUpdate(
      BOT_TOKEN,
      groupText(OLD, 5801, '', { extra: { text: undefined, migrate_to_chat_id: NEW } }),
    );
    const moved = await until(
      () => database.prisma.channel.findFirst({ where: { name: 'bakers', chatId: String(NEW) } }),
      'the registration under the new id',
    );
    expect(moved.active).toBe(true);
    expect(await database.prisma.channel.count({ where: { chatId: String(OLD) } })).toBe(0);
  });
});
