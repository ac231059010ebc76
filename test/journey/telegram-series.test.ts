import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonedDayAt } from '../support/clock.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { startTelegramHearth, type TelegramHearth } from '../telegram/harness.ts';
import { BOT_TOKEN, callbackQuery, privateText } from '../telegram/updates.ts';
import { JOURNEY_FEATURES, owner } from './helpers.ts';

const TZ = 'Europe/Berlin';

/** In `days` days at hh:00 in Berlin. */
const dayAt = (days: number, hour: number) => zonedDayAt(TZ, days, hour);

describe.each(TEST_DATABASES)('a welcome series through the real Telegram adapter ($name)', (kind) => {
  let t: TelegramHearth;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);

  beforeAll(async () => {
    offset = dayAt(1, 22).getTime() - Date.now();
    t = await startTelegramHearth(await kind.open(), {
      features: JOURNEY_FEATURES,
      now,
      env: { SCHEDULE_TIMEZONE: TZ, MARKETING_RESTRAINT: 'true' },
    });
  });
  afterAll(async () => t?.stop());

  it('step 1 waits out quiet hours, arrives with an inline button, and a press is a counted click-through', async () => {
    await owner(t.app, 'series create welcome news');
    await owner(
      t.app,
      'series step welcome on-subscribe Welcome to the bakery! [Our menu](https://example.com/menu)',
    );
    // 22:00 in Berlin: the subscription is confirmed at once, the welcome waits for 09:00.
    t.fake.pushUpdate(BOT_TOKEN, privateText(3001, '/subscribe news'));
    await t.replyIn(3001, "You're subscribed to news");
    const db = t.app.hearth.services.db;
    const held = await until(
      () => db.outbox.findFirst({ where: { dedupeKey: { startsWith: 'series:' } } }),
      'the welcome enqueued',
    );
    expect(held.availableAt.getTime()).toBe(dayAt(2, 9).getTime());
    expect(t.fake.sent(3001).some((m) => m.text.includes('Welcome to the bakery'))).toBe(false);
    offset = dayAt(2, 9).getTime() + 60_000 - Date.now();
    const welcome = await t.replyIn(3001, 'Welcome to the bakery!');
    const button = welcome.keyboard?.[0]?.[0] as { text: string; callback_data?: string } | undefined;
    expect(button?.text).toBe('Our menu');
    t.fake.pushUpdate(BOT_TOKEN, callbackQuery(3001, button?.callback_data ?? '', welcome.messageId));
    await t.replyIn(3001, 'Our menu: https://example.com/menu');
    expect(await db.metricEvent.count({ where: { type: 'series_click' } })).toBe(1);
  });
});
