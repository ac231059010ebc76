/**
 * Group commands and their admin check (getChatMember), from defects found on review: a chat's
 * commands are handled in the order sent however slow a check is, and Telegram failing a check for
 * a while (5xx, 429) never tells an admin they are not one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_CHECK_RETRY_WAITS_MS } from '../../adapters/telegram/chat-admins.ts';
import type { FakeFailure } from '../fakes/telegram-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { startTelegramHearth, type TelegramHearth } from './harness.ts';
import { BOT_TOKEN, BOT_USERNAME, groupText } from './updates.ts';

const ADMIN = 5501;
const UNCHECKED = "couldn't check your admin rights";
const SERVER_ERROR: FakeFailure = { kind: 'server-error', status: 502 };

/** The command `/name args` addressed to the bot, as a group member types it. */
const command = (name: string, args = '') => `/${name}@${BOT_USERNAME}${args ? ` ${args}` : ''}`;

function activeChannels(t: TelegramHearth, chatId: number): Promise<number> {
  return t.app.hearth.services.db.channel.count({
    where: { platform: 'telegram', chatId: String(chatId), active: true },
  });
}

function adminChecksIn(t: TelegramHearth, chatId: number) {
  return t.fake.calls.filter(
    (c) => c.method === 'getChatMember' && String(c.body.chat_id) === String(chatId),
  );
}

describe.each(TEST_DATABASES)('telegram group commands and admin checks, long polling ($name)', (kind) => {
  let t: TelegramHearth;
  let nextGroup = -1005550000001;

  /** A group of its own (nothing remembered about its admins), where ADMIN is an administrator. */
  function newGroup(): number {
    const group = nextGroup--;
    t.fake.setChatMember(group, ADMIN, 'administrator');
    return group;
  }

  beforeAll(async () => {
    t = await startTelegramHearth(await kind.open());
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('commands of one chat in one batch are handled in the order sent, however slow an admin check', async () => {
    const group = newGroup();
    // The first command's check is slow; the second's would not be.
    t.fake.failNext({ kind: 'slow', ms: 800 }, { method: 'getChatMember', chatId: group });
    t.fake.pushUpdate(
      BOT_TOKEN,
      groupText(group, ADMIN, command('register', 'cakes')),
      groupText(group, ADMIN, command('unregister')),
    );
    await until(() => t.fake.sent(group).length >= 2, 'both answers in the group');
    const texts = t.fake.sent(group).map((m) => m.text);
    expect(texts[0]).toContain('community channel #cakes');
    expect(texts[1]).toContain('no longer a community channel');
    expect(await activeChannels(t, group)).toBe(0);
  });

  it('a check failing once (5xx) is tried again: the admin registers the group', async () => {
    const group = newGroup();
    t.fake.failNext(SERVER_ERROR, { method: 'getChatMember', chatId: group });
    t.fake.pushUpdate(BOT_TOKEN, groupText(group, ADMIN, command('register', 'pies')));
    const answer = await t.replyIn(group, 'community channel');
    expect(answer.text).toContain('#pies');
    expect(t.fake.sent(group).map((m) => m.text)).not.toContainEqual(
      expect.stringContaining('Only an admin'),
    );
    expect(adminChecksIn(t, group)).toHaveLength(2);
    expect(await activeChannels(t, group)).toBe(1);
  });

  it('a 429 on the check is tried again after its retry_after: the admin registers the group', async () => {
    const group = newGroup();
    t.fake.failNext(
      { kind: 'rate-limited', retryAfterSeconds: 1 },
      { method: 'getChatMember', chatId: group },
    );
    t.fake.pushUpdate(BOT_TOKEN, groupText(group, ADMIN, command('register', 'buns')));
    await t.replyIn(group, 'community channel #buns');
    const [limited, retried] = adminChecksIn(t, group);
    expect(limited?.status).toBe(429);
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('a check Telegram keeps failing asks the admin to try again, changes nothing, and is not remembered', async () => {
    const group = newGroup();
    for (let i = 0; i <= ADMIN_CHECK_RETRY_WAITS_MS.length; i++) {
      t.fake.failNext(SERVER_ERROR, { method: 'getChatMember', chatId: group });
    }
    t.fake.pushUpdate(BOT_TOKEN, groupText(group, ADMIN, command('register', 'tarts')));
    const answer = await t.replyIn(group, UNCHECKED);
    expect(answer.text).toContain('send /register again');
    expect(answer.text).not.toContain('Only an admin');
    expect(adminChecksIn(t, group)).toHaveLength(ADMIN_CHECK_RETRY_WAITS_MS.length + 1);
    expect(await activeChannels(t, group)).toBe(0);
    // Once Telegram answers again, the same command works.
    t.fake.pushUpdate(BOT_TOKEN, groupText(group, ADMIN, command('register', 'tarts')));
    await t.replyIn(group, 'community channel #tarts');
  });

  it('a 429 asking to wait longer than a few seconds is not waited for: the admin is asked to try again', async () => {
    const group = newGroup();
    t.fake.failNext(
      { kind: 'rate-limited', retryAfterSeconds: 30 },
      { method: 'getChatMember', chatId: group },
    );
    t.fake.pushUpdate(BOT_TOKEN, groupText(group, ADMIN, command('register', 'scones')));
    await t.replyIn(group, UNCHECKED);
    expect(adminChecksIn(t, group)).toHaveLength(1);
    expect(await activeChannels(t, group)).toBe(0);
  });

  it('a check Telegram refuses (4xx) still means not an admin', async () => {
    const group = newGroup();
    t.fake.failNext({ kind: 'chat-not-found' }, { method: 'getChatMember', chatId: group });
    t.fake.pushUpdate(BOT_TOKEN, groupText(group, ADMIN, command('register', 'rolls')));
    await t.replyIn(group, 'Only an admin of this chat can register it.');
    expect(adminChecksIn(t, group)).toHaveLength(1);
  });
});

describe.each(TEST_DATABASES)('telegram group commands and admin checks, webhook ($name)', (kind) => {
  const SECRET = 'webhook-s3cret';
  const GROUP = -1005550000101;
  let t: TelegramHearth;
  let hookUrl: string;

  beforeAll(async () => {
    t = await startTelegramHearth(await kind.open(), {
      env: { TELEGRAM_WEBHOOK_URL: 'https://hearth.example/telegram/hook', TELEGRAM_WEBHOOK_SECRET: SECRET },
    });
    hookUrl = `${t.app.baseUrl}/telegram/hook`;
    t.fake.setChatMember(GROUP, ADMIN, 'administrator');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a check failing (5xx) answers 500 for Telegram to redeliver; the redelivery registers the group', async () => {
    t.fake.failNext(SERVER_ERROR, { method: 'getChatMember', chatId: GROUP });
    const update = { update_id: 9101, ...groupText(GROUP, ADMIN, command('register', 'loaves')) };
    const first = await t.fake.postUpdate(hookUrl, update, SECRET);
    expect(first.status).toBe(500);
    expect(t.fake.sent(GROUP)).toEqual([]);
    // The failure did not stop the chat's later updates.
    const again = await t.fake.postUpdate(hookUrl, update, SECRET);
    expect(again.status).toBe(200);
    await t.replyIn(GROUP, 'community channel #loaves');
    expect(t.fake.sent(GROUP).map((m) => m.text)).not.toContainEqual(
      expect.stringContaining('Only an admin'),
    );
    expect(await activeChannels(t, GROUP)).toBe(1);
  });
});
