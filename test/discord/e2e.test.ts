import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmChannelIdOf, dmMessage, FAKE_CHANNEL_ID, guildMessage } from '../fakes/discord-wire.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { type DiscordHearth, OWNER, OWNERS, startDiscordHearth } from './harness.ts';

// Generous waits: a first FAQ answer loads the matcher, and the machine running the suite is shared.
describe.each(TEST_DATABASES)('discord end to end ($name)', { timeout: 120_000 }, (kind) => {
  let t: DiscordHearth;
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const dm = (user: string) => dmChannelIdOf(t.fake.user(user));
  const say = (user: string, text: string) =>
    t.fake.gateway.dispatch('MESSAGE_CREATE', dmMessage(user, text));

  async function subscriptionsOf(user: string): Promise<string[]> {
    const db = t.app.hearth.services.db;
    const identity = await db.identity.findUnique({
      where: { platform_platformUserId: { platform: 'discord', platformUserId: t.fake.user(user) } },
    });
    if (!identity) return [];
    return (await db.subscription.findMany({ where: { memberId: identity.memberId } })).map((s) => s.topic);
  }

  beforeAll(async () => {
    t = await startDiscordHearth(await kind.open(), { now });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a DM question is answered from the FAQ, as plain text with no mentions allowed', async () => {
    say('dora', 'When are you open?');
    const reply = await t.replyIn(dm('dora'), "We're open Monday to Friday");
    expect(reply.body.allowed_mentions).toEqual({ parse: [] });
    expect(reply.body.enforce_nonce).toBe(true);
    expect(String(reply.body.nonce).length).toBeLessThanOrEqual(25);
  });

  it('/subscribe news and STOP in a DM', async () => {
    say('erin', '/subscribe news');
    await t.replyIn(dm('erin'), "You're subscribed to news");
    expect(await subscriptionsOf('erin')).toEqual(['news']);
    say('erin', 'stop');
    await t.replyIn(dm('erin'), "You're unsubscribed from everything");
    expect(await subscriptionsOf('erin')).toEqual([]);
  });

  it("a DM handed off to the owners, and the owner's Slack reply relayed back", async () => {
    say('fay', 'Could you engrave a name on the mug I bought?');
    await t.replyIn(dm('fay'), 'passed it to the team');
    const root = await until(
      () => t.slack.messages(OWNERS).find((m) => m.text.includes('engrave a name')),
      'the handoff in the owners room',
      15_000,
    );
    const reply = await t.signer.message({
      userId: OWNER,
      channelId: OWNERS,
      threadTs: root.ts,
      // What Slack delivers when the owner types `<@everyone>` (its own markup arrives escaped).
      text: 'Yes - bring it in, **free** &lt;@everyone&gt;',
    });
    expect(reply.status).toBe(200);
    const relayed = await t.replyIn(dm('fay'), 'bring it in');
    expect(relayed.shown).toBe('💬 Yes - bring it in, **free** <@everyone>');
    expect(relayed.content).toContain('\\*\\*free\\*\\* \\<\\@everyone\\>');
    expect(relayed.body.allowed_mentions).toEqual({ parse: [] });
  });

  it('a server message that @mentions the bot is answered in that channel; others are not read', async () => {
    const before = t.fake.sent(FAKE_CHANNEL_ID).length;
    t.fake.gateway.dispatch('MESSAGE_CREATE', guildMessage('gus', 'when are you open?'));
    t.fake.gateway.dispatch('MESSAGE_CREATE', guildMessage('gus', '/help'));
    t.fake.gateway.dispatch(
      'MESSAGE_CREATE',
      guildMessage('gus', 'when are you open?', { mentionBot: true }),
    );
    await t.replyIn(FAKE_CHANNEL_ID, "We're open Monday to Friday");
    await new Promise((r) => setTimeout(r, 300));
    expect(t.fake.sent(FAKE_CHANNEL_ID).length - before).toBe(1);
    expect(t.adapterLog.find('debug', 'not addressed to the bot').length).toBeGreaterThanOrEqual(2);
  });

  it('a gateway RESUME replaying events: each is processed once', async () => {
    say('jan', '/topics');
    await t.replyIn(dm('jan'), 'Topics');
    t.fake.gateway.dropConnection(3);
    await until(
      () => t.fake.gateway.resumes === 1 && t.fake.gateway.connected,
      'the resumed session',
      15_000,
    );
    say('jan', '/help');
    await t.replyIn(dm('jan'), '/subscribe');
    await new Promise((r) => setTimeout(r, 300));
    expect(t.fake.sent(dm('jan')).filter((m) => m.shown.includes('Topics'))).toHaveLength(1);
  });

  it('a 429 (route) is resent after retry_after on the Hearth clock, exactly once', async () => {
    const user = 'ratelimited-route';
    t.fake.failNext(
      { kind: 'rate-limited', retryAfterSeconds: 30, scope: 'user' },
      `/channels/${dm(user)}/messages`,
    );
    const before = now().getTime();
    say(user, '/help');
    await t.fake.waitFor(() => t.fake.posts(dm(user)) === 1, 'the refused send');
    const db = t.app.hearth.services.db;
    const row = await until(
      () => db.outbox.findFirst({ where: { chatId: dm(user), status: 'pending', lastError: { not: null } } }),
      'the row put back to wait',
      45_000,
    );
    expect(row.availableAt.getTime()).toBeGreaterThanOrEqual(before + 30_000);
    expect(row.availableAt.getTime()).toBeLessThanOrEqual(now().getTime() + 30_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.fake.posts(dm(user))).toBe(1);
    offsetMs += 30_000;
    await t.replyIn(dm(user), '/subscribe');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.fake.posts(dm(user))).toBe(2);
    expect(t.fake.sent(dm(user))).toHaveLength(1);
  });

  // discord.js keeps the global limit's reset on the real clock (it refuses any send before it),
  // so this one waits the real retry_after: the resend comes no sooner, and once.
  it('a 429 (global) pauses Discord and is resent after retry_after, exactly once', async () => {
    const user = 'ratelimited-global';
    t.fake.failNext(
      { kind: 'rate-limited', retryAfterSeconds: 2, scope: 'global' },
      `/channels/${dm(user)}/messages`,
    );
    say(user, '/help');
    await t.replyIn(dm(user), '/subscribe');
    const attempts = t.fake.calls.filter(
      (c) => c.method === 'POST' && c.path.endsWith(`/channels/${dm(user)}/messages`),
    );
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(2_000);
    expect(t.fake.sent(dm(user))).toHaveLength(1);
  });

  it('a 500 after Discord made the message, then a retry: one message (the nonce)', async () => {
    t.fake.failNext({ kind: 'server-error-after-create' }, `/channels/${dm('hal')}/messages`);
    say('hal', '/topics');
    await t.fake.waitFor(() => t.fake.posts(dm('hal')) === 1, 'the first attempt');
    offsetMs += 120_000; // past the outbox's backoff
    await t.fake.waitFor(() => t.fake.posts(dm('hal')) >= 2, 'the retry');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.fake.sent(dm('hal'))).toHaveLength(1);
    expect(t.fake.sent(dm('hal'))[0]?.shown).toContain('Topics');
  });

  it('50007 (DMs closed) unsubscribes the member with a ledger entry and is never retried', async () => {
    say('ivy', '/subscribe news');
    await t.replyIn(dm('ivy'), "You're subscribed to news");
    t.fake.failNext({ kind: 'cannot-dm' }, `/channels/${dm('ivy')}/messages`);
    say('ivy', '/topics');
    const db = t.app.hearth.services.db;
    const entry = await until(
      () =>
        db.consentEvent.findFirst({
          where: {
            action: 'unsubscribe',
            source: 'platform',
            topic: 'news',
            platform: 'discord',
          },
        }),
      'the unsubscribe consent record',
      45_000,
    );
    expect(entry.reason).toContain('50007');
    expect(await subscriptionsOf('ivy')).toEqual([]);
    const identity = await db.identity.findFirst({ where: { platformUserId: t.fake.user('ivy') } });
    expect(identity?.reachable).toBe(false);
    offsetMs += 120_000;
    await new Promise((r) => setTimeout(r, 300));
    expect(t.fake.posts(dm('ivy'))).toBe(2);
  });
});
