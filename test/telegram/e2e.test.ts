import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { startTelegramHearth, type TelegramHearth } from './harness.ts';
import { BOT_ID, BOT_TOKEN, BOT_USERNAME, blockedBy, groupText, privateText } from './updates.ts';

const WEBHOOK_URL = 'https://hearth.example/telegram/hook';
const SECRET = 'webhook-s3cret';

async function subscriptionsOf(t: TelegramHearth, userId: number): Promise<string[]> {
  const db = t.app.hearth.services.db;
  const identity = await db.identity.findUnique({
    where: { platform_platformUserId: { platform: 'telegram', platformUserId: String(userId) } },
  });
  if (!identity) return [];
  const rows = await db.subscription.findMany({ where: { memberId: identity.memberId } });
  return rows.map((s) => s.topic);
}

describe.each(TEST_DATABASES)('telegram end to end, long polling ($name)', (kind) => {
  let t: TelegramHearth;
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);

  beforeAll(async () => {
    t = await startTelegramHearth(await kind.open(), { now });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a private /subscribe news is confirmed through the fake', async () => {
    t.fake.pushUpdate(BOT_TOKEN, privateText(1001, '/subscribe news'));
    const reply = await t.replyIn(1001, "You're subscribed to news");
    expect(reply.method).toBe('sendMessage');
    expect(reply.body.parse_mode).toBeUndefined();
    expect(await subscriptionsOf(t, 1001)).toEqual(['news']);
  });

  it('STOP unsubscribes', async () => {
    t.fake.pushUpdate(BOT_TOKEN, privateText(1002, '/subscribe news'));
    await t.replyIn(1002, "You're subscribed to news");
    t.fake.pushUpdate(BOT_TOKEN, privateText(1002, 'STOP'));
    await t.replyIn(1002, "You're unsubscribed from everything");
    expect(await subscriptionsOf(t, 1002)).toEqual([]);
  });

  it('updates of one chat in one batch are handled in the order they were sent', async () => {
    t.fake.pushUpdate(BOT_TOKEN, privateText(1009, '/subscribe news'), privateText(1009, 'STOP'));
    await t.replyIn(1009, "You're unsubscribed from everything (news)");
    await t.replyIn(1009, "You're subscribed to news");
    expect(await subscriptionsOf(t, 1009)).toEqual([]);
    const identity = await t.app.hearth.services.db.identity.findFirst({ where: { platformUserId: '1009' } });
    const ledger = await t.app.hearth.services.db.consentEvent.findMany({
      where: { memberId: identity?.memberId ?? '' },
      orderBy: { id: 'asc' },
    });
    expect(ledger.map((e) => e.action)).toEqual(['subscribe', 'unsubscribe']);
  });

  it('a group command with @botname is answered in the group; one for another bot is not', async () => {
    const group = -1002000000001;
    t.fake.pushUpdate(BOT_TOKEN, groupText(group, 1003, '/topics@other_bot'));
    t.fake.pushUpdate(BOT_TOKEN, groupText(group, 1003, `/topics@${BOT_USERNAME}`, { threadId: 17 }));
    const reply = await t.replyIn(group, 'Topics:');
    expect(reply.threadId).toBe(17);
    expect(t.fake.sent(group)).toHaveLength(1);
    expect(t.adapterLog.find('debug', 'command for another bot')).toHaveLength(1);
  });

  it('a duplicated update gets one reply', async () => {
    const update = { update_id: 900_001, ...privateText(1004, '/topics') };
    t.fake.pushUpdate(BOT_TOKEN, update, update);
    await t.replyIn(1004, 'Topics:');
    t.fake.pushUpdate(BOT_TOKEN, privateText(1004, '/help'));
    await t.replyIn(1004, '/subscribe');
    expect(t.fake.sent(1004).filter((m) => m.text.startsWith('Topics:'))).toHaveLength(1);
  });

  it('a send refused with 403 blocked unsubscribes the member with a platform ledger entry', async () => {
    t.fake.pushUpdate(BOT_TOKEN, privateText(1005, '/subscribe news'));
    await t.replyIn(1005, "You're subscribed to news");
    t.fake.setChatFailure(1005, { kind: 'blocked' });
    t.fake.pushUpdate(BOT_TOKEN, privateText(1005, '/topics'));
    const db = t.app.hearth.services.db;
    const entry = await until(
      () =>
        db.consentEvent.findFirst({ where: { action: 'unsubscribe', source: 'platform', topic: 'news' } }),
      'the unsubscribe consent record',
      10_000,
    );
    expect(entry.reason).toContain('bot was blocked by the user');
    expect(await subscriptionsOf(t, 1005)).toEqual([]);
    const identity = await db.identity.findFirst({ where: { platformUserId: '1005' } });
    expect(identity?.reachable).toBe(false);
    t.fake.setChatFailure(1005, null);
  });

  it('a my_chat_member "kicked" (the user blocked the bot) unsubscribes them too', async () => {
    t.fake.pushUpdate(BOT_TOKEN, privateText(1006, '/subscribe news'));
    await t.replyIn(1006, "You're subscribed to news");
    t.fake.pushUpdate(BOT_TOKEN, blockedBy(1006));
    const db = t.app.hearth.services.db;
    const entry = await until(
      () =>
        db.consentEvent.findFirst({
          where: { action: 'unsubscribe', source: 'platform', reason: 'blocked the bot' },
        }),
      'the blocked-the-bot consent record',
      10_000,
    );
    expect(entry.topic).toBe('news');
    expect(await subscriptionsOf(t, 1006)).toEqual([]);
  });

  it('a 429 is resent after retry_after on the Hearth clock, not before', async () => {
    t.fake.failNext({ kind: 'rate-limited', retryAfterSeconds: 30 }, { chatId: 1007 });
    const before = now().getTime();
    t.fake.pushUpdate(BOT_TOKEN, privateText(1007, '/help'));
    await t.fake.waitFor(() =>
      t.fake.calls.find((c) => c.status === 429 && String(c.body.chat_id) === '1007'),
    );
    const db = t.app.hearth.services.db;
    const row = await until(
      () => db.outbox.findFirst({ where: { chatId: '1007', status: 'pending', lastError: { not: null } } }),
      'the row put back to wait',
      10_000,
    );
    const after = now().getTime();
    expect(row.availableAt.getTime()).toBeGreaterThanOrEqual(before + 30_000);
    expect(row.availableAt.getTime()).toBeLessThanOrEqual(after + 30_000);
    // Several worker polls later (20 ms each) it has still not been resent.
    await new Promise((r) => setTimeout(r, 300));
    expect(
      t.fake.calls.filter((c) => c.method === 'sendMessage' && String(c.body.chat_id) === '1007'),
    ).toHaveLength(1);
    offsetMs += 30_000;
    await t.replyIn(1007, '/subscribe');
    expect(
      t.fake.calls.filter((c) => c.method === 'sendMessage' && String(c.body.chat_id) === '1007'),
    ).toHaveLength(2);
  });

  it('malformed and unknown updates are ignored and the bot keeps going', async () => {
    t.fake.pushUpdate(
      BOT_TOKEN,
      { message: { chat: 'nonsense' } },
      {
        inline_query: {
          id: 'q1',
          from: { id: 1008, is_bot: false, first_name: 'Q' },
          query: 'x',
          offset: '',
        },
      },
      { edited_message: { message_id: 1, date: 1, chat: { id: 1008, type: 'private' }, text: '/help' } },
      {
        message: {
          message_id: 2,
          date: 1,
          chat: { id: 1008, type: 'private' },
          from: { id: BOT_ID + 1, is_bot: true, first_name: 'B' },
          text: '/help',
        },
      },
    );
    t.fake.pushUpdate(BOT_TOKEN, privateText(1008, '/topics'));
    await t.replyIn(1008, 'Topics:');
    expect(t.fake.sent(1008)).toHaveLength(1);
    expect(t.adapterLog.find('debug', 'update ignored').length).toBeGreaterThanOrEqual(4);
  });
});

describe.each(TEST_DATABASES)('telegram end to end, webhook ($name)', (kind) => {
  let t: TelegramHearth;
  let hookUrl: string;

  beforeAll(async () => {
    t = await startTelegramHearth(await kind.open(), {
      env: { TELEGRAM_WEBHOOK_URL: WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET: SECRET },
    });
    hookUrl = `${t.app.baseUrl}/telegram/hook`;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('registers the webhook with its secret and does not poll', () => {
    expect(t.fake.webhookOf(BOT_TOKEN)).toEqual({ url: WEBHOOK_URL, secret: SECRET });
    expect(t.fake.calls.some((c) => c.method === 'getUpdates')).toBe(false);
  });

  it('with the right secret token, /subscribe news is confirmed', async () => {
    const answer = await t.fake.postUpdate(
      hookUrl,
      { update_id: 5001, ...privateText(2001, '/subscribe news') },
      SECRET,
    );
    expect(answer.status).toBe(200);
    await t.replyIn(2001, "You're subscribed to news");
  });

  it('with a wrong or missing secret token the update is refused (401), logged and never processed', async () => {
    const wrong = await t.fake.postUpdate(
      hookUrl,
      { update_id: 5002, ...privateText(2002, '/subscribe news') },
      'nope',
    );
    const missing = await t.fake.postUpdate(hookUrl, {
      update_id: 5003,
      ...privateText(2002, '/subscribe news'),
    });
    expect([wrong.status, missing.status]).toEqual([401, 401]);
    expect(t.adapterLog.find('warn', 'telegram webhook refused')).toHaveLength(2);
    const seen = await t.app.hearth.services.db.processedEvent.count({
      where: { eventId: { in: [`${BOT_ID}:5002`, `${BOT_ID}:5003`] } },
    });
    expect(seen).toBe(0);
    expect(await subscriptionsOf(t, 2002)).toEqual([]);
    expect(t.fake.sent(2002)).toHaveLength(0);
  });

  it('a redelivered update is answered once; bad JSON is refused without a crash', async () => {
    const update = { update_id: 5004, ...privateText(2003, '/topics') };
    const first = await t.fake.postUpdate(hookUrl, update, SECRET);
    const again = await t.fake.postUpdate(hookUrl, update, SECRET);
    expect([first.status, again.status]).toEqual([200, 200]);
    const bad = await t.fake.postUpdate(hookUrl, '{not json', SECRET);
    expect(bad.status).toBe(400);
    // JSON that is not an update (every update has a numeric update_id): a clear 400, nothing handled.
    for (const odd of ['null', '[1,2]', '42', '{"message":{}}']) {
      expect((await t.fake.postUpdate(hookUrl, odd, SECRET)).status).toBe(400);
    }
    await t.replyIn(2003, 'Topics:');
    await t.fake.postUpdate(hookUrl, { update_id: 5005, ...privateText(2003, '/help') }, SECRET);
    await t.replyIn(2003, '/subscribe');
    expect(t.fake.sent(2003).filter((m) => m.text.startsWith('Topics:'))).toHaveLength(1);
  });
});
