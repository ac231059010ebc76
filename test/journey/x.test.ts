import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClock, zonedDayAt } from '../support/clock.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { startXHearth, X_FAST_SENDS, type XHearth, xUserId } from '../x/harness.ts';
import { JOURNEY_FEATURES, slackOwner } from './helpers.ts';

const TZ = 'Europe/Berlin';

/** The journey through the real X adapter (twitter-api-v2 against the fake X API) and real Slack owners. */
describe.each(TEST_DATABASES)('the journey on X ($name)', (kind) => {
  let t: XHearth;
  const clock = testClock(zonedDayAt(TZ, 1, 12));
  const say = (user: string, text: string) => t.fake.userSays(xUserId(user), text);
  const replyTo = (user: string, text: string) => t.replyTo(xUserId(user), text, 30_000);

  beforeAll(async () => {
    t = await startXHearth(await kind.open(), {
      features: JOURNEY_FEATURES,
      now: clock.now,
      env: { ...X_FAST_SENDS, HEARTH_TOPICS: 'news', SCHEDULE_TIMEZONE: TZ, MARKETING_RESTRAINT: 'true' },
    });
  });
  afterAll(async () => t?.stop());

  it('/invite is a text code (X has no deep links); a newcomer who sends /join with it is credited once', async () => {
    say('xavi', '/invite');
    const invite = await replyTo('xavi', 'Here is a message to pass on to a friend');
    const code = /send \/join ([A-Z0-9]{8})/.exec(invite.text)?.[1] ?? '';
    expect(code).toHaveLength(8);
    expect(invite.text).not.toContain('t.me/');
    say('yara', `/join ${code.toLowerCase()}`);
    await replyTo('yara', 'You came through');
    await replyTo('xavi', 'A friend just joined through your invite');
    say('yara', `/join ${code}`);
    await replyTo('yara', 'You already joined through an invite');
    const db = t.app.hearth.services.db;
    expect((await db.referral.findMany()).map((r) => r.platform)).toEqual(['x']);
    expect(await slackOwner(t, 'referrals', 'Top referrers')).toContain(`x:${xUserId('xavi')}`);
  });

  it('a welcome series step arrives by DM with its link in the text (X has no buttons)', async () => {
    await slackOwner(t, 'series create hello news', 'Series hello created for news');
    await slackOwner(
      t,
      'series step hello on-subscribe Hello from the bakery! [Our menu](https://example.com/menu)',
      'Step 1 of hello',
    );
    say('zoe', '/subscribe news');
    await replyTo('zoe', "You're subscribed to news");
    const step = await replyTo('zoe', 'Hello from the bakery!');
    expect(step.text).toBe('Hello from the bakery!\nOur menu: https://example.com/menu');
    const db = t.app.hearth.services.db;
    await until(
      () => db.outbox.findFirst({ where: { dedupeKey: { startsWith: 'series:' }, status: 'sent' } }),
      'the step recorded as sent',
    );
  });
});
