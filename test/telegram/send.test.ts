import type { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../adapters/telegram/index.ts';
import { PermanentError, type RateLimitedError, TransientError } from '../../src/core/errors.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { CapturingLogger } from '../support/logger.ts';
import { BOT_TOKEN, callbackQuery } from './updates.ts';

/** The adapter's sending and button handling through the real telegraf, without a Hearth. */
describe('telegram adapter: sending', () => {
  let fake: FakeTelegramApi;
  let adapter: TelegramAdapter;
  const events: InboundEvent[] = [];
  const to = (chatId: number, threadId?: number) => ({
    platform: 'telegram' as const,
    chatId: String(chatId),
    ...(threadId ? { threadId: String(threadId) } : {}),
  });

  beforeAll(async () => {
    fake = await FakeTelegramApi.start();
    adapter = new TelegramAdapter({ token: BOT_TOKEN, apiRoot: fake.url, log: new CapturingLogger() });
    await adapter.start(
      adapterContext(async (event) => {
        events.push(event);
        return { handled: true, enqueued: 0 };
      }),
    );
  });
  afterAll(async () => {
    await adapter.stop();
    await fake.close();
  });

  it('sends plain text (no parse mode) into a forum topic with an inline keyboard', async () => {
    const result = await adapter.send({
      id: 's1',
      to: to(-1004000000001, 33),
      text: 'Open *today* <until> 6_pm',
      buttons: [[{ actionId: 'faq.helpful', label: 'Yes', value: 'q1' }]],
    });
    const [sent] = fake.sent(-1004000000001);
    expect(result.messageId).toBe(String(sent?.messageId));
    expect(sent).toMatchObject({ text: 'Open *today* <until> 6_pm', threadId: 33 });
    expect(sent?.body.parse_mode).toBeUndefined();
    expect(sent?.keyboard).toEqual([[{ text: 'Yes', callback_data: 'faq.helpful|q1' }]]);
  });

  it('a long text that fails midway resumes where it stopped instead of resending', async () => {
    const chat = 4002;
    const text = Array.from({ length: 3 }, (_, i) => String(i).repeat(4000)).join('\n\n');
    fake.failNext({ kind: 'server-error' }, { chatId: chat, skip: 1 });
    const first = await adapter.send({ id: 's2', to: to(chat), text }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(TransientError);
    expect(fake.sent(chat).map((m) => m.text[0])).toEqual(['0']);
    fake.failNext({ kind: 'rate-limited', retryAfterSeconds: 2 }, { chatId: chat });
    const second = await adapter.send({ id: 's2', to: to(chat), text }).catch((e: unknown) => e);
    expect((second as RateLimitedError).retryAfterMs).toBe(2000);
    await adapter.send({ id: 's2', to: to(chat), text });
    expect(fake.sent(chat).map((m) => m.text[0])).toEqual(['0', '1', '2']);
    expect(fake.sent(chat).every((m) => m.text.length === 4000)).toBe(true);
  });

  it('edits a message and treats "not modified" as done', async () => {
    const result = await adapter.send({
      id: 's4',
      to: to(4003),
      text: 'Results: 3 votes',
      editMessageId: '17',
    });
    expect(result.messageId).toBe('17');
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'editMessageText',
      body: { message_id: 17, text: 'Results: 3 votes' },
    });
    fake.failNext(
      { kind: 'error', status: 400, description: 'Bad Request: message is not modified' },
      { method: 'editMessageText' },
    );
    await expect(
      adapter.send({ id: 's5', to: to(4003), text: 'same', editMessageId: '17' }),
    ).resolves.toEqual({ messageId: '17' });
  });

  it('sends native polls, falling back to anonymous where a channel demands it, and stops them', async () => {
    const poll = {
      pollId: 'p1',
      question: 'Best loaf?',
      options: ['Rye', 'Sourdough'],
      multi: false,
      anonymous: false,
    };
    const result = await adapter.send({ id: 's6', to: to(4004), text: 'Best loaf?', poll });
    expect(result.nativePollId).toMatch(/^poll-/);
    expect(fake.sent(4004)).toHaveLength(1);
    fake.failNext(
      {
        kind: 'error',
        status: 400,
        description: "Bad Request: non-anonymous polls can't be sent to channel chats",
      },
      { method: 'sendPoll' },
    );
    const channel = await adapter.send({ id: 's7', to: to(-1004000000005), text: 'Vote now', poll });
    expect(channel.nativePollId).toBeTruthy();
    const polls = fake.calls.filter(
      (c) => c.method === 'sendPoll' && String(c.body.chat_id) === '-1004000000005',
    );
    expect(polls.map((c) => c.body.is_anonymous)).toEqual([false, true]);
    expect(fake.sent(-1004000000005).map((m) => m.text)).toEqual(['Vote now', 'Best loaf?']);
    fake.failNext(
      { kind: 'error', status: 400, description: 'Bad Request: poll has already been closed' },
      { method: 'stopPoll' },
    );
    await expect(
      adapter.send({ id: 's8', to: to(4004), text: '', stopPoll: { messageId: result.messageId } }),
    ).resolves.toEqual({
      messageId: result.messageId,
    });
  });

  it('sends files as documents with the text as caption', async () => {
    const file = {
      name: 'export.json',
      mimeType: 'application/json',
      contentBase64: Buffer.from('{"a":1}').toString('base64'),
    };
    await adapter.send({ id: 's9', to: to(4005), text: 'Your data', file });
    expect(fake.sent(4005)).toMatchObject([
      { method: 'sendDocument', text: 'Your data', body: { document: { name: 'export.json', size: 7 } } },
    ]);
  });

  it('refuses an empty message and maps "chat not found" to a permanent error', async () => {
    await expect(adapter.send({ id: 's10', to: to(4006), text: '  ' })).rejects.toBeInstanceOf(
      PermanentError,
    );
    fake.failNext({ kind: 'chat-not-found' });
    const error = await adapter.send({ id: 's11', to: to(4006), text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).recipientGone).toBe(false);
  });

  it('answers every button press; a press on an expired long button says so', async () => {
    fake.pushUpdate(BOT_TOKEN, callbackQuery(4007, 'faq.helpful|q1'), callbackQuery(4007, '#gone'));
    await fake.waitFor(() => fake.calls.filter((c) => c.method === 'answerCallbackQuery').length === 2);
    const answers = fake.calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => c.body.text);
    expect(answers).toEqual([undefined, 'This button has expired.']);
    await fake.waitFor(() => events.find((e) => e.kind === 'action'));
    expect(events.filter((e) => e.kind === 'action')).toMatchObject([
      { actionId: 'faq.helpful', value: 'q1', sender: { userId: '4007' } },
    ]);
  });

  it('reports each request as it leaves, before the Bot API has it; a refused request too; polling never', async () => {
    const chat = 4008;
    const text = Array.from({ length: 3 }, (_, i) => String(i).repeat(4000)).join('\n\n');
    const seenByFake: number[] = [];
    await adapter.send({
      id: 's8',
      to: to(chat),
      text,
      onDeparture: () => seenByFake.push(fake.sent(chat).length),
    });
    // One report per piece, each made while the fake had only the pieces before it.
    expect(seenByFake).toEqual([0, 1, 2]);
    expect(fake.sent(chat)).toHaveLength(3);

    fake.failNext({ kind: 'rate-limited', retryAfterSeconds: 1 }, { chatId: 4009 });
    let refused = 0;
    const error = await adapter
      .send({ id: 's9', to: to(4009), text: 'hi', onDeparture: () => refused++ })
      .catch((e: unknown) => e);
    expect(error).toHaveProperty('retryAfterMs', 1000);
    expect(refused).toBe(1); // it left; the worker clears the departure when it records the 429
    const before = seenByFake.length;
    await new Promise((r) => setTimeout(r, 300)); // long polling goes on meanwhile
    expect(seenByFake).toHaveLength(before);
  });

  it('ties each report to its own request when many sends (texts, a document) leave at once', async () => {
    const chats = Array.from({ length: 24 }, (_, i) => 4100 + i);
    const pieces = (i: number) => (i % 3) + 1;
    const seen = new Map<number, number[]>();
    await Promise.all(
      chats.map((chat, i) =>
        adapter.send({
          id: `c${chat}`,
          to: to(chat),
          text: Array.from({ length: pieces(i) }, (_, k) => String(k).repeat(4000)).join('\n\n'),
          ...(i % 8 === 7
            ? { file: { name: 'menu.txt', mimeType: 'text/plain', contentBase64: 'aGk=' } }
            : {}),
          onDeparture: () => {
            seen.set(chat, [...(seen.get(chat) ?? []), fake.sent(chat).length]);
          },
        }),
      ),
    );
    for (const [i, chat] of chats.entries()) {
      const requests = fake.calls.filter((c) => String(c.body.chat_id) === String(chat)).length;
      expect(requests).toBe(i % 8 === 7 ? pieces(i) + 1 : pieces(i));
      // One report per request of this chat, each made while the fake had only the ones before it.
      expect(seen.get(chat)).toEqual(Array.from({ length: requests }, (_, k) => k));
    }
  });

  it('reports a request queued behind another only when it leaves, not when it was asked for', async () => {
    // One socket: B's request waits in the agent until A's answer (200 ms late) frees the socket.
    const single = new TelegramAdapter({ token: BOT_TOKEN, apiRoot: fake.url, log: new CapturingLogger() });
    const agent = single.bot.telegram.options.agent as Agent;
    agent.maxSockets = 1;
    const order: string[] = [];
    agent.on('free', () => order.push('socket freed'));
    fake.setLatency(200);
    try {
      await Promise.all(
        ['A', 'B'].map((name, i) =>
          single.send({
            id: `q${name}`,
            to: to(4200 + i),
            text: name,
            onDeparture: () => order.push(`${name} left`),
          }),
        ),
      );
    } finally {
      fake.setLatency(0);
    }
    expect(order).toEqual(['A left', 'socket freed', 'B left', 'socket freed']);
  });
});
