import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordAdapter } from '../../adapters/discord/index.ts';
import { FakeDiscordApi } from '../fakes/discord-api.ts';
import {
  buttonInteraction,
  commandInteraction,
  dmChannelIdOf,
  dmMessage,
  FAKE_CHANNEL_ID,
  FAKE_GUILD_ID,
  MANAGE_GUILD,
} from '../fakes/discord-wire.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { CapturingLogger } from '../support/logger.ts';
import { until } from '../support/until.ts';
import { type DiscordHearth, OWNER, OWNERS, startDiscordHearth } from './harness.ts';

describe('slash commands are registered at start only when their set changed', () => {
  it('one bulk overwrite in the guild of DISCORD_GUILD_ID, none at the next start; /subscribe offers the topics as choices', {
    timeout: 90_000,
  }, async () => {
    const fake = await FakeDiscordApi.start();
    const database = await (TEST_DATABASES[0] ?? { open: () => Promise.reject() }).open();
    let topics = ['news', 'offers'];
    try {
      const start = async () => {
        const adapter = new DiscordAdapter({
          token: 't',
          apiUrl: fake.apiUrl,
          guildId: FAKE_GUILD_ID,
          log: new CapturingLogger(),
        });
        await adapter.start(
          adapterContext(async () => ({ handled: true, enqueued: 0 }), {
            db: database.prisma,
            platform: 'discord',
            topics: async () => topics,
          }),
        );
        await adapter.stop();
      };
      type Command = { name: string; options?: { name: string; choices?: unknown; max_length?: number }[] };
      const topicOption = (put: number, command: string) =>
        ((fake.commandPuts[put]?.body ?? []) as Command[])
          .find((c) => c.name === command)
          ?.options?.find((o) => o.name === 'topic');
      await start();
      expect(fake.commandPuts).toHaveLength(1);
      expect(fake.commandPuts[0]?.guildId).toBe(FAKE_GUILD_ID);
      const names = ((fake.commandPuts[0]?.body ?? []) as Command[]).map((c) => c.name);
      expect(names).toEqual(
        expect.arrayContaining(['subscribe', 'unsubscribe', 'topics', 'help', 'ask', 'register']),
      );
      expect(topicOption(0, 'subscribe')?.choices).toEqual([
        { name: 'news', value: 'news' },
        { name: 'offers', value: 'offers' },
      ]);
      await start();
      expect(fake.commandPuts).toHaveLength(1);
      // A topic added: the set changed, so it is registered again with the new choice.
      topics = ['events', 'news', 'offers'];
      await start();
      expect(fake.commandPuts).toHaveLength(2);
      expect(topicOption(1, 'subscribe')?.choices).toEqual(topics.map((name) => ({ name, value: name })));
      // More topics than Discord's 25 choices: the topic is free text again.
      topics = Array.from({ length: 26 }, (_, i) => `topic${i}`);
      await start();
      expect(fake.commandPuts).toHaveLength(3);
      expect(topicOption(2, 'subscribe')?.choices).toBeUndefined();
      expect(topicOption(2, 'subscribe')?.max_length).toBe(100);
    } finally {
      await database.close();
      await fake.close();
    }
  });
});

describe.each(TEST_DATABASES)('discord interactions end to end ($name)', { timeout: 120_000 }, (kind) => {
  let t: DiscordHearth;
  const interact = (payload: Record<string, unknown>) => {
    t.fake.gateway.dispatch('INTERACTION_CREATE', payload);
    return { id: String(payload.id), token: String(payload.token) };
  };
  const answerTo = (token: string, text: string) =>
    t.fake.waitFor(
      () =>
        t.fake.webhookSends.find(
          (s) =>
            s.token === token &&
            String(s.body.content ?? '')
              .replace(/\\/g, '')
              .includes(text),
        ),
      `an answer containing "${text}"`,
    );
  /** An owner command in the owners' room (as the Slack adapter marks its senders). */
  const owner = async (text: string) => {
    const [, name = '', args = ''] = /^\/(\w+)\s*(.*)$/.exec(text) ?? [];
    await t.app.hearth.bot.dispatch({
      kind: 'command',
      id: `owner-${Math.random()}`,
      at: new Date(),
      address: { platform: 'slack', chatId: OWNERS },
      sender: { userId: OWNER, name: 'Owner', isBot: false, isOwner: true },
      isDirect: false,
      name,
      args,
      text,
    });
  };
  const callbackOf = (id: string) => t.fake.callbacks.find((c) => c.interactionId === id);

  beforeAll(async () => {
    t = await startDiscordHearth(await kind.open(), { env: { DISCORD_GUILD_ID: FAKE_GUILD_ID } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('/subscribe news is deferred ephemerally, then answered by editing the deferred reply', async () => {
    const { id, token } = interact(commandInteraction('kim', 'subscribe', { topic: 'news' }));
    const answer = await answerTo(token, "You're subscribed to news");
    expect(callbackOf(id)?.body).toEqual({ type: 5, data: { flags: 64 } });
    expect(answer.kind).toBe('original');
    expect(answer.body.allowed_mentions).toEqual({ parse: [] });
    expect(t.fake.sent(dmChannelIdOf(t.fake.user('kim')))).toHaveLength(0);
  });

  it('/ask in a server is a question answered for everyone in the channel', async () => {
    const { id, token } = interact(
      commandInteraction('lou', 'ask', { question: 'When are you open?' }, { guild: true }),
    );
    await answerTo(token, "We're open Monday to Friday");
    expect(callbackOf(id)?.body).toEqual({ type: 5 });
  });

  it('a button under an FAQ answer is acknowledged as an update and answered ephemerally', async () => {
    t.fake.gateway.dispatch('MESSAGE_CREATE', dmMessage('max', 'When are you open?'));
    const channel = dmChannelIdOf(t.fake.user('max'));
    const answer = await t.fake.waitFor(() => t.fake.sent(channel)[0], 'the FAQ answer');
    const rows = answer.body.components as { components: { custom_id?: string; label: string }[] }[];
    const buttons = rows.flatMap((r) => r.components);
    for (const b of buttons) expect((b.custom_id ?? '').length).toBeLessThanOrEqual(100);
    const helpful = buttons.find((b) => b.label.includes('👍'));
    if (!helpful?.custom_id) throw new Error(`no 👍 button: ${JSON.stringify(buttons)}`);
    const { id, token } = interact(buttonInteraction('max', helpful.custom_id, answer.id));
    const thanks = await t.fake.waitFor(
      () => t.fake.webhookSends.find((s) => s.token === token),
      'the thanks',
    );
    expect(callbackOf(id)?.body).toEqual({ type: 6 });
    expect(thanks.kind).toBe('followup');
    expect(thanks.body.flags).toBe(64);
  });

  it('/register by a member without Manage Server is refused; by an admin it registers the channel', async () => {
    const refused = interact(commandInteraction('ned', 'register', { name: 'bakery' }, { guild: true }));
    await answerTo(refused.token, 'Only an admin');
    const db = t.app.hearth.services.db;
    expect(await db.channel.count({ where: { platform: 'discord' } })).toBe(0);
    const admin = interact(
      commandInteraction('ona', 'register', { name: 'bakery' }, { guild: true, permissions: MANAGE_GUILD }),
    );
    await answerTo(admin.token, 'community channel #bakery');
    const channel = await db.channel.findFirstOrThrow({ where: { platform: 'discord' } });
    expect(channel).toMatchObject({ chatId: FAKE_CHANNEL_ID, name: 'bakery', active: true });
  });

  it('a broadcast to #bakery and to news subscribers reaches the channel and the subscribed DM', async () => {
    t.fake.gateway.dispatch('MESSAGE_CREATE', dmMessage('pia', '/subscribe news'));
    const pia = dmChannelIdOf(t.fake.user('pia'));
    await t.replyIn(pia, "You're subscribed to news");
    const text = '/hearth announce #bakery,news Fresh [rye](https://x.example) @everyone --now';
    const [, name = '', args = ''] = /^\/(\w+)\s*(.*)$/.exec(text) ?? [];
    await t.app.hearth.bot.dispatch({
      kind: 'command',
      id: 'owner-announce-1',
      at: new Date(),
      address: { platform: 'slack', chatId: OWNERS },
      sender: { userId: OWNER, name: 'Owner', isBot: false, isOwner: true },
      isDirect: false,
      name,
      args,
      text,
    });
    const said = await until(
      () => t.slack.messages(OWNERS).find((m) => m.text.includes('Broadcast')),
      'the owner reply',
      45_000,
    );
    expect(said.text).toContain('#bakery,news');
    const inChannel = await t.replyIn(FAKE_CHANNEL_ID, 'Fresh');
    await t.replyIn(pia, 'Fresh');
    expect(inChannel.body.allowed_mentions).toEqual({ parse: [] });
    expect(inChannel.content).toContain('\\@everyone');
    expect(inChannel.content.startsWith('@everyone')).toBe(false);
  });

  it('an owner broadcast with --mention-everyone pings @everyone in the channel only, that message only', async () => {
    const pia = dmChannelIdOf(t.fake.user('pia'));
    await owner('/hearth announce #bakery,news --mention-everyone Rye is back <@1234> @here --now');
    const inChannel = await t.replyIn(FAKE_CHANNEL_ID, 'Rye is back');
    expect(inChannel.body.allowed_mentions).toEqual({ parse: ['everyone'] });
    expect(inChannel.content.startsWith('@everyone Rye is back')).toBe(true);
    // The owner's own text stays inert: only the one @everyone Hearth put first acts.
    expect(inChannel.content).toContain('\\<\\@1234\\>');
    expect(inChannel.content).toContain('\\@here');
    const inDm = await t.replyIn(pia, 'Rye is back');
    expect(inDm.body.allowed_mentions).toEqual({ parse: [] });
    expect(inDm.content).not.toContain('@everyone');
    // A customer's relayed text never pings, even when it says @everyone.
    t.fake.gateway.dispatch('MESSAGE_CREATE', dmMessage('pia', 'When are you open? @everyone'));
    await t.replyIn(pia, "We're open Monday to Friday");
    for (const message of t.fake.sent()) {
      if (message.id === inChannel.id) continue;
      expect(message.body.allowed_mentions).toEqual({ parse: [] });
    }
  });

  it('a native poll in #bakery: votes added, removed and changed from raw events, one tally with Telegram, closed early', async () => {
    const db = t.app.hearth.services.db;
    expect(
      (
        await t.app.post('/console/api/messages', {
          platform: 'telegram',
          userId: 'tg-1',
          text: '/subscribe news',
        })
      ).status,
    ).toBe(200);
    await owner(
      '/hearth poll "Which bread tomorrow?" "Rye" "Spelt" --multi --closes 2h --to #bakery,news --now',
    );
    const message = await t.fake.waitFor(
      () => t.fake.sent(FAKE_CHANNEL_ID).find((m) => m.poll),
      'the native poll',
    );
    expect(message.body.poll).toMatchObject({
      question: { text: 'Which bread tomorrow?' },
      answers: [{ poll_media: { text: 'Rye' } }, { poll_media: { text: 'Spelt' } }],
      duration: 2,
      allow_multiselect: true,
    });
    const poll = await db.poll.findFirstOrThrow({ where: { question: 'Which bread tomorrow?' } });
    t.fake.vote('vic', message.id, 1, true);
    t.fake.vote('wes', message.id, 2, true);
    t.fake.vote('vic', message.id, 1, false);
    t.fake.vote('vic', message.id, 2, true);
    t.fake.vote('wes', message.id, 1, true);
    const telegramPost = await until(
      () => db.pollPost.findFirst({ where: { pollId: poll.id, platform: 'telegram' } }),
      'the telegram post',
      45_000,
    );
    const voted = await t.app.post('/console/api/votes', {
      platform: 'telegram',
      userId: 'tg-1',
      pollRef: telegramPost.nativePollId,
      optionIds: [1],
    });
    expect(voted.status).toBe(200);
    const tally = async () => {
      const votes = await db.vote.findMany({ where: { pollId: poll.id } });
      return [0, 1].map((i) => votes.filter((v) => v.optionIdx === i).length);
    };
    await until(async () => JSON.stringify(await tally()) === '[1,3]', 'the tally Rye 1, Spelt 3', 45_000);
    await owner(`/hearth poll close ${poll.id.slice(0, 8)}`);
    await t.fake.waitFor(
      () => t.fake.calls.find((c) => c.path.endsWith(`/polls/${message.id}/expire`)),
      'the early end',
    );
    expect(t.fake.message(message.id)?.poll?.finalized).toBe(true);
    expect(await tally()).toEqual([1, 3]);
  });

  it('the bot removed from the server deactivates its community channels', async () => {
    t.fake.gateway.dispatch('GUILD_DELETE', { id: FAKE_GUILD_ID });
    const db = t.app.hearth.services.db;
    await until(
      () => db.channel.findFirst({ where: { platform: 'discord', active: false } }),
      'the channel deactivated',
      45_000,
    );
  });
});
