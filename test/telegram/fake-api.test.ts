import { Telegraf, TelegramError } from 'telegraf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';

const TOKEN = '111:fake-test';

/** The fake itself, driven by the real telegraf (other suites and benchmarks rely on it). */
describe('fake Telegram Bot API', () => {
  let fake: FakeTelegramApi;
  let bot: Telegraf;
  beforeAll(async () => {
    fake = await FakeTelegramApi.start();
    bot = new Telegraf(TOKEN, { telegram: { apiRoot: fake.url, webhookReply: false } });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('answers getMe and records sends with keyboards and threads', async () => {
    expect((await bot.telegram.getMe()).username).toBe('hearth_test_bot');
    const sent = await bot.telegram.sendMessage(42, 'hi', {
      message_thread_id: 7,
      reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] },
    });
    expect(sent.message_id).toBe(1);
    expect(fake.sent(42)).toMatchObject([{ text: 'hi', threadId: 7, keyboard: [[{ text: 'A' }]] }]);
    const poll = await bot.telegram.sendPoll(42, 'Best?', ['x', 'y']);
    expect(poll.poll.id).toMatch(/^poll-/);
  });

  it('a second long poll terminates the first with 409, as Telegram does', async () => {
    const first = bot.telegram.getUpdates(2, 100, 0, undefined).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const second = bot.telegram.getUpdates(0, 100, 0, undefined);
    const error = await first;
    expect((error as TelegramError).code).toBe(409);
    expect(await second).toEqual([]);
    expect(fake.stats().conflicts).toBe(1);
  });

  it('injects 429, 403, 400 and 5xx failures once each', async () => {
    fake.failNext({ kind: 'rate-limited', retryAfterSeconds: 3 });
    fake.failNext({ kind: 'blocked' });
    fake.failNext({ kind: 'chat-not-found' });
    fake.failNext({ kind: 'server-error' });
    const errors: unknown[] = [];
    for (let i = 0; i < 4; i++) errors.push(await bot.telegram.sendMessage(5, 'x').catch((e: unknown) => e));
    expect(errors.map((e) => (e as TelegramError).code)).toEqual([429, 403, 400, 502]);
    expect((errors[0] as TelegramError).parameters?.retry_after).toBe(3);
    expect(errors.every((e) => e instanceof TelegramError)).toBe(true);
    await expect(bot.telegram.sendMessage(5, 'ok')).resolves.toMatchObject({ text: 'ok' });
  });

  it('answers 429 above the configured global rate', async () => {
    fake.setRateLimit({ perSecond: 3, retryAfterSeconds: 1 });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        bot.telegram.sendMessage(100 + i, 'r').then(
          () => 'ok',
          (e: TelegramError) => e.code,
        ),
      ),
    );
    fake.setRateLimit(null);
    expect(results.filter((r) => r === 'ok')).toHaveLength(3);
    expect(results.filter((r) => r === 429)).toHaveLength(2);
  });

  it('serves queued updates to long polling and confirms them by offset', async () => {
    const seen: string[] = [];
    const poller = new Telegraf('222:poller', { telegram: { apiRoot: fake.url, webhookReply: false } });
    poller.on('message', (ctx) => {
      if ('text' in ctx.message) seen.push(ctx.message.text);
    });
    const launched = poller.launch();
    fake.pushUpdate('222:poller', {
      message: {
        message_id: 1,
        date: 1,
        chat: { id: 9, type: 'private', first_name: 'U' },
        from: { id: 9, is_bot: false, first_name: 'U' },
        text: 'polled',
      },
    });
    await fake.waitFor(() => seen.includes('polled'), 5_000, 'polled update');
    poller.stop('test');
    await launched;
    expect(seen).toEqual(['polled']);
  });

  it('hands updates out in update_id order and forgets those an offset confirms', async () => {
    const token = '333:ordered';
    const client = new Telegraf(token, { telegram: { apiRoot: fake.url, webhookReply: false } }).telegram;
    fake.pushUpdate(token, { update_id: 10 }, { update_id: 12 });
    fake.pushUpdate(token, { update_id: 11 }, {}); // an explicit id between queued ones; the next is 13
    const ids = async (offset: number, limit = 100) =>
      (await client.callApi('getUpdates', { offset, limit, timeout: 0 })).map((u) => u.update_id);
    expect(await ids(0)).toEqual([10, 11, 12, 13]);
    expect(await ids(12, 1)).toEqual([12]);
    expect(await ids(0)).toEqual([12, 13]); // 10 and 11 were confirmed by offset 12
    expect(await ids(14)).toEqual([]);
  });

  it('posts updates to the webhook a bot registered, with its secret', async () => {
    const received: { secret: string | undefined; body: string }[] = [];
    const { createServer } = await import('node:http');
    const hook = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      received.push({ secret: req.headers['x-telegram-bot-api-secret-token'] as string | undefined, body });
      res.end('ok');
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const address = hook.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await bot.telegram.setWebhook(`http://127.0.0.1:${port}/tg`, { secret_token: 's3cret' });
    const answer = await fake.deliverWebhook(TOKEN, { update_id: 5 });
    await new Promise<void>((r) => hook.close(() => r()));
    expect(answer.status).toBe(200);
    expect(received).toEqual([{ secret: 's3cret', body: '{"update_id":5}' }]);
  });
});
