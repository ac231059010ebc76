/**
 * Defects found in review of the Discord adapter, each against the REAL discord.js and the fake
 * Discord on 127.0.0.1: links stay links, a poll without a closing time lasts, a failed
 * acknowledgement or an expired token loses no answer and never shows a private one in a channel,
 * and a passing failure at start-up does not leave Discord without a gateway.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordAdapter, type DiscordAdapterOptions } from '../../adapters/discord/index.ts';
import { escapeDiscord } from '../../adapters/discord/render.ts';
import type { AdapterContext } from '../../src/core/adapter.ts';
import { PermanentError } from '../../src/core/errors.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import { FakeDiscordApi } from '../fakes/discord-api.ts';
import {
  commandInteraction,
  dmChannelIdOf,
  dmMessage,
  FAKE_CHANNEL_ID,
  shownText,
} from '../fakes/discord-wire.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { CapturingLogger } from '../support/logger.ts';
import { until } from '../support/until.ts';

/** Characters of `content` that act as markdown: not escaped by an odd run of backslashes. */
function unescaped(content: string, marks: string): string[] {
  const found: string[] = [];
  let backslashes = 0;
  for (const c of content) {
    if (c === '\\') {
      backslashes++;
      continue;
    }
    if (marks.includes(c) && backslashes % 2 === 0) found.push(c);
    backslashes = 0;
  }
  return found;
}

describe('escaping leaves web addresses as written and keeps everything around them inert', () => {
  it('a URL keeps its _ ~ * | and balanced brackets; the text around it is escaped', () => {
    const links = [
      'https://shop.example/menu_2024/rye_bread?size=large_loaf',
      'https://en.wikipedia.org/wiki/Rye_(bread)',
      'https://social.example/~baker/posts|new*',
    ];
    for (const url of links) {
      expect(escapeDiscord(`Menu: ${url} *new*`)).toBe(`Menu: ${url} \\*new\\*`);
      expect(escapeDiscord(url)).toBe(url);
    }
    expect(escapeDiscord('- see https://a.example/x_y\n1. and _this_')).toBe(
      '\\- see https://a.example/x_y\n1\\. and \\_this\\_',
    );
  });

  it('brackets, parentheses and mentions around a URL can make no masked link and no mention', () => {
    const cases: Record<string, string> = {
      '[click](https://evil.example/a_b)': '\\[click\\]\\(https://evil.example/a_b\\)',
      '[https://good.example/x_y](https://evil.example)':
        '\\[https://good.example/x_y\\]\\(https://evil.example\\)',
      '[a](https://evil.example/(x_y))': '\\[a\\]\\(https://evil.example/(x_y)\\)',
      '<@123>https://shop.example/menu_2024': '\\<\\@123\\>https://shop.example/menu_2024',
      'https://shop.example/menu_2024<@123>': 'https://shop.example/menu_2024\\<\\@123\\>',
      '<https://shop.example/a_b> <@&456> <t:1:R>':
        '\\<https://shop.example/a_b\\> \\<\\@&456\\> \\<t:1:R\\>',
      'https://shop.example/a_b/@everyone': 'https://shop.example/a\\_b/\\@everyone',
    };
    for (const [text, escaped] of Object.entries(cases)) {
      const content = escapeDiscord(text);
      expect(content).toBe(escaped);
      expect(unescaped(content, '[]<>')).toEqual([]);
      expect(shownText(content)).toBe(text);
    }
  });
});

describe('Discord: links, acknowledgements, expired answers and start-up (real discord.js, fake Discord)', {
  timeout: 90_000,
}, () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  async function setUp(options: Partial<DiscordAdapterOptions> = {}, fake?: FakeDiscordApi) {
    const api = fake ?? (await FakeDiscordApi.start());
    if (!fake) cleanup.push(() => api.close());
    const received: InboundEvent[] = [];
    const log = new CapturingLogger();
    const create = () => new DiscordAdapter({ token: 't', apiUrl: api.apiUrl, log, ...options });
    const adapter = create();
    const context: AdapterContext = adapterContext(
      async (event) => {
        received.push(event);
        return { handled: true, enqueued: 0 };
      },
      { platform: 'discord', log },
    );
    cleanup.push(() => adapter.stop());
    return { fake: api, adapter, create, context, received, log };
  }

  /** Dispatches an interaction and waits for its event. */
  async function interact(fake: FakeDiscordApi, received: InboundEvent[], payload: Record<string, unknown>) {
    fake.gateway.dispatch('INTERACTION_CREATE', payload);
    return until(() => received.find((e) => e.id === payload.id), `the event of interaction ${payload.id}`);
  }

  /** The answer to an interaction's event, as the outbox sends it. */
  const answerTo = (event: InboundEvent, id: string, text: string) => ({
    id,
    to: event.address,
    text,
    ...(event.replyHandle ? { replyHandle: event.replyHandle } : {}),
  });

  const callbackAttempts = (fake: FakeDiscordApi, interactionId: unknown) =>
    fake.calls.filter((c) => c.path.includes(`/interactions/${String(interactionId)}/`));

  it('a link in a sent text reaches Discord unchanged', async () => {
    const { fake, adapter, context } = await setUp();
    await adapter.start(context);
    const url = 'https://shop.example/menu_2024/rye_bread?size=large_loaf';
    const text = `Our menu is here: ${url} (see [this](https://evil.example))`;
    await adapter.send({ id: 'url-1', to: { platform: 'discord', chatId: FAKE_CHANNEL_ID }, text });
    const sent = await until(() => fake.sent(FAKE_CHANNEL_ID)[0], 'the message');
    // Discord links the raw URL: a backslash in it would become part of the address.
    expect(sent.content).toContain(url);
    expect(sent.content).toContain('\\[this\\]\\(https://evil.example\\)');
    expect(sent.shown).toBe(text);
  });

  it('a poll without a closing time stays open on Discord as long as Discord allows (768 h), not 24 h', async () => {
    const { fake, adapter, context } = await setUp();
    await adapter.start(context);
    await adapter.send({
      id: 'poll-open-ended',
      to: { platform: 'discord', chatId: FAKE_CHANNEL_ID },
      text: 'Which bread next week?',
      poll: {
        pollId: 'p1',
        question: 'Which bread next week?',
        options: ['Rye', 'Spelt'],
        multi: false,
        anonymous: false,
      },
    });
    const sent = await until(() => fake.sent(FAKE_CHANNEL_ID).find((m) => m.poll), 'the poll');
    expect((sent.body.poll as { duration: number }).duration).toBe(768);
  });

  it('an acknowledgement that failed (a 5xx, or a 500 after Discord took it) is tried again; the answer goes through the token', async () => {
    const { fake, adapter, context, received } = await setUp();
    await adapter.start(context);
    const first = commandInteraction('jon', 'topics', {}, { guild: true });
    fake.failNext({ kind: 'server-error' }, `/interactions/${String(first.id)}/`);
    const firstEvent = await interact(fake, received, first);
    await adapter.send(answerTo(firstEvent, 'answer-1', 'Topics: news, offers'));
    const second = commandInteraction('kim', 'help', {}, { guild: true });
    fake.failNext({ kind: 'server-error-after-create' }, `/interactions/${String(second.id)}/`);
    const secondEvent = await interact(fake, received, second);
    await adapter.send(answerTo(secondEvent, 'answer-2', 'Here is what I can do'));

    expect(callbackAttempts(fake, first.id).map((c) => c.status)).toEqual([500, 204]);
    // The second attempt finds the interaction acknowledged already (40060): acknowledged it is.
    expect(callbackAttempts(fake, second.id).map((c) => c.status)).toEqual([500, 400]);
    expect(fake.webhookSends.map((w) => [w.token, w.kind, shownText(String(w.body.content))])).toEqual([
      [first.token, 'original', 'Topics: news, offers'],
      [second.token, 'original', 'Here is what I can do'],
    ]);
    expect(fake.sent()).toEqual([]);
  });

  it('an acknowledgement that keeps failing: a public answer goes to the channel, a private one to the DMs, never the channel', async () => {
    const { fake, adapter, create, context, received, log } = await setUp();
    await adapter.start(context);
    const topics = commandInteraction('jon', 'topics', {}, { guild: true });
    for (let i = 0; i < 40; i++)
      fake.failNext({ kind: 'server-error' }, `/interactions/${String(topics.id)}/`);
    const topicsEvent = await interact(fake, received, topics);
    await until(() => log.entries.find((e) => e.msg.includes('not acknowledged')), 'the ack given up');
    // Tried again within Discord's 3 s, then given up.
    const attempts = callbackAttempts(fake, topics.id);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect((attempts.at(-1)?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeLessThan(3_000);
    // A 429 asking for more than the 3 s is honoured: no second attempt.
    const ask = commandInteraction('lou', 'ask', { question: 'Open on Sunday?' }, { guild: true });
    fake.failNext({ kind: 'rate-limited', retryAfterSeconds: 5 }, `/interactions/${String(ask.id)}/`);
    const askEvent = await interact(fake, received, ask);

    // This instance knows its acknowledgement failed: the answer is posted without trying the token.
    await adapter.send(answerTo(askEvent, 'ask-answer', 'Yes, 9 to 12'));
    expect(callbackAttempts(fake, ask.id)).toHaveLength(1);
    expect(fake.calls.filter((c) => c.path.includes(String(ask.token)))).toHaveLength(1);
    expect(fake.sent(FAKE_CHANNEL_ID).map((m) => m.shown)).toEqual(['Yes, 9 to 12']);
    // Another instance does not know: the token is unknown to Discord (10015), so it DMs the member.
    const other = create();
    await other.send(answerTo(topicsEvent, 'topics-answer', 'Topics:\n✓ offers (you follow it)\n• news'));
    const triedToken = fake.calls.filter(
      (c) => c.path.includes(`/webhooks/`) && c.path.includes(String(topics.token)),
    );
    expect(triedToken.map((c) => c.status)).toEqual([404]);
    expect(fake.sent(dmChannelIdOf(fake.user('jon'))).map((m) => m.shown)).toEqual([
      'Topics:\n✓ offers (you follow it)\n• news',
    ]);
    expect(fake.sent(FAKE_CHANNEL_ID).map((m) => m.shown)).toEqual(['Yes, 9 to 12']);
  });

  it('an answer only the member may see is DMed once its token expired, never posted in the server channel', async () => {
    const { fake, adapter, context, received } = await setUp();
    await adapter.start(context);
    const event = await interact(fake, received, commandInteraction('liv', 'topics', {}, { guild: true }));
    const value = event.replyHandle?.value ?? '';
    // The outbox reached the answer after the token's 14 minutes (a 429 pause, a backlog).
    const expiresAt = new Date(Date.now() - 1_000).toISOString();
    await adapter.send({
      ...answerTo(event, 'late-topics', 'Topics:\n✓ offers (you follow it)\n• news'),
      replyHandle: { value, expiresAt },
    });
    expect(fake.sent(dmChannelIdOf(fake.user('liv'))).map((m) => m.shown)).toEqual([
      'Topics:\n✓ offers (you follow it)\n• news',
    ]);
    // A handle from before the member's id was kept in it: the answer fails, it is not posted.
    const { u: _member, ...withoutMember } = JSON.parse(value) as Record<string, unknown>;
    const old = adapter.send({
      ...answerTo(event, 'older-topics', 'Topics: news'),
      replyHandle: { value: JSON.stringify(withoutMember), expiresAt },
    });
    await expect(old).rejects.toThrow(/answer expired/);
    await expect(old).rejects.toBeInstanceOf(PermanentError);
    expect(fake.sent(FAKE_CHANNEL_ID)).toEqual([]);
    expect(fake.webhookSends).toEqual([]);
  });

  it('a 5xx, a 429 and a failed command registration at start-up are waited out; a refused token fails at once', async () => {
    const { fake, adapter, context, received } = await setUp();
    fake.failNext({ kind: 'unauthorized' }, '/applications/@me', 'GET');
    const refused = await setUp({}, fake);
    await expect(refused.adapter.start(refused.context)).rejects.toThrow(/401/);
    expect(fake.calls.filter((c) => c.path.endsWith('/applications/@me'))).toHaveLength(1);

    fake.failNext({ kind: 'server-error' }, '/applications/@me', 'GET');
    fake.failNext({ kind: 'rate-limited', retryAfterSeconds: 0.5 }, '/applications/@me', 'GET');
    fake.failNext({ kind: 'server-error' }, '/commands', 'PUT');
    await adapter.start(context);
    const gets = fake.calls.filter((c) => c.path.endsWith('/applications/@me')).map((c) => c.status);
    expect(gets).toEqual([401, 500, 429, 200]);
    expect(fake.calls.filter((c) => c.method === 'PUT').map((c) => c.status)).toEqual([500, 200]);
    expect(fake.commandPuts).toHaveLength(1);
    fake.gateway.dispatch('MESSAGE_CREATE', dmMessage('kim', 'are you there?'));
    await until(() => received.find((e) => e.kind === 'message'), 'a DM after the failures', 10_000);
  });

  it('Discord down past the start-up wait: start() returns, the adapter keeps asking and connects once Discord answers', async () => {
    const { fake, adapter, context, received, log } = await setUp({ startupWaitMs: 300 });
    for (let i = 0; i < 3; i++) fake.failNext({ kind: 'server-error' }, '/applications/@me', 'GET');
    await adapter.start(context);
    expect(adapter.identity).toBeUndefined();
    expect(log.entries.some((e) => e.level === 'error' && e.msg.includes('still trying'))).toBe(true);
    await until(() => adapter.identity, 'the identity once Discord answers', 10_000);
    await fake.gateway.whenConnected();
    fake.gateway.dispatch('MESSAGE_CREATE', dmMessage('kim', 'are you there?'));
    await until(() => received.find((e) => e.kind === 'message'), 'a DM after the outage', 10_000);

    // Stopped while Discord is still down, it stops asking.
    const down = await setUp({ startupWaitMs: 100 });
    for (let i = 0; i < 50; i++) down.fake.failNext({ kind: 'server-error' }, '/applications/@me', 'GET');
    await down.adapter.start(down.context);
    await down.adapter.stop();
    const asked = down.fake.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(down.fake.calls.length).toBe(asked);
  });
});
