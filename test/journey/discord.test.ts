import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiscordHearth, startDiscordHearth } from '../discord/harness.ts';
import { dmChannelIdOf, dmMessage } from '../fakes/discord-wire.ts';
import { testClock, zonedDayAt } from '../support/clock.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { JOURNEY_FEATURES, slackOwner } from './helpers.ts';

const TZ = 'Europe/Berlin';

/** The journey through the real Discord adapter (discord.js against the fake Discord) and real Slack owners. */
describe.each(TEST_DATABASES)('the journey on Discord ($name)', (kind) => {
  let t: DiscordHearth;
  // Tomorrow at noon in Berlin: outside quiet hours, ahead of the rows stamped by the real clock.
  const start = zonedDayAt(TZ, 1, 12);
  const clock = testClock(start);
  const dm = (user: string) => dmChannelIdOf(t.fake.user(user));
  const say = (user: string, text: string) =>
    t.fake.gateway.dispatch('MESSAGE_CREATE', dmMessage(user, text));

  beforeAll(async () => {
    t = await startDiscordHearth(await kind.open(), {
      features: JOURNEY_FEATURES,
      now: clock.now,
      env: { HEARTH_TOPICS: 'news,offers', SCHEDULE_TIMEZONE: TZ, MARKETING_RESTRAINT: 'true' },
    });
  });
  afterAll(async () => t?.stop());

  it('/invite is a message to pass on; a newcomer who sends its /join is credited to the inviter, once', async () => {
    say('ivy', '/invite');
    const invite = await t.replyIn(dm('ivy'), 'Here is a message to pass on to a friend');
    const code = /send \/join ([A-Z0-9]{8})/.exec(invite.shown)?.[1] ?? '';
    expect(code).toHaveLength(8);
    expect(invite.body.allowed_mentions).toEqual({ parse: [] });
    say('jo', `/join ${code}`);
    await t.replyIn(dm('jo'), "Welcome! You came through ivy's invite. Thank you both!");
    await t.replyIn(dm('ivy'), 'A friend just joined through your invite');
    say('jo', `/join ${code}`);
    await t.replyIn(dm('jo'), 'You already joined through an invite');
    say('ivy', `/join ${code}`);
    await t.replyIn(dm('ivy'), "That's your own invite");
    const db = t.app.hearth.services.db;
    const referrals = await db.referral.findMany();
    expect(referrals.map((r) => r.platform)).toEqual(['discord']);
    expect(await slackOwner(t, 'referrals', 'Top referrers')).toMatch(/discord:\d+ \(ivy\): 1/);
  });

  it("a welcome series step arrives in the member's DM with its link as a button", async () => {
    await slackOwner(t, 'series create kit offers', 'Series kit created for offers');
    await slackOwner(
      t,
      'series step kit on-subscribe Welcome to our offers! [Price list](https://example.com/prices)',
      'Step 1 of kit',
    );
    say('sol', '/subscribe offers');
    await t.replyIn(dm('sol'), "You're subscribed to offers");
    const step = await t.replyIn(dm('sol'), 'Welcome to our offers!');
    expect(JSON.stringify(step.body.components)).toContain('Price list');
    expect(step.body.allowed_mentions).toEqual({ parse: [] });
    const db = t.app.hearth.services.db;
    await until(
      () => db.outbox.findFirst({ where: { dedupeKey: { startsWith: 'series:' }, status: 'sent' } }),
      'the step recorded as sent',
    );
  });

  it("quiet hours in the member's timezone hold a broadcast until 09:00 there, then it goes", async () => {
    const db = t.app.hearth.services.db;
    say('nell', '/timezone America/New_York');
    await t.replyIn(dm('nell'), 'Your timezone is now America/New_York');
    say('nell', '/subscribe news');
    await t.replyIn(dm('nell'), "You're subscribed to news");
    // Noon in Berlin is 06:00 in New York: quiet there.
    await slackOwner(t, 'announce --now news Evening news: fresh bread tomorrow', 'is on its way');
    const held = await until(
      () =>
        db.outbox.findFirst({
          where: { dedupeKey: { startsWith: 'broadcast:' }, platform: 'discord', status: 'pending' },
        }),
      'the broadcast row held',
    );
    // 09:00 on the New York day the clock started in (whatever the real time of day).
    const nineInNewYork = zonedDayAt('America/New_York', 0, 9, 0, start);
    expect(held.availableAt.getTime()).toBe(nineInNewYork.getTime());
    expect(t.fake.sent(dm('nell')).some((m) => m.shown.includes('Evening news'))).toBe(false);
    clock.set(new Date(nineInNewYork.getTime() + 60_000));
    await t.replyIn(dm('nell'), 'Evening news: fresh bread tomorrow');
  });
});
