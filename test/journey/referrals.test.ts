import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTelegramHearth, type TelegramHearth } from '../telegram/harness.ts';
import { BOT_TOKEN, BOT_USERNAME, privateText } from '../telegram/updates.ts';
import { JOURNEY_FEATURES, owner, say, stageOf } from './helpers.ts';

describe.each(TEST_DATABASES)('referrals: deep links on Telegram, codes elsewhere ($name)', (kind) => {
  let t: TelegramHearth;
  let telegramCode = '';
  let xCode = '';

  beforeAll(async () => {
    t = await startTelegramHearth(await kind.open(), { features: JOURNEY_FEATURES });
  });
  afterAll(async () => t?.stop());

  it('/invite on Telegram is a deep link; a new member who opens it is credited once, never oneself', async () => {
    t.fake.pushUpdate(BOT_TOKEN, privateText(2001, '/invite'));
    const invite = await t.replyIn(2001, 'Share this link with a friend');
    const link = new RegExp(`https://t\\.me/${BOT_USERNAME}\\?start=ref_([A-Z0-9]{8})`).exec(invite.text);
    expect(link).not.toBeNull();
    telegramCode = link?.[1] ?? '';
    t.fake.pushUpdate(BOT_TOKEN, privateText(2002, `/start ref_${telegramCode}`));
    await t.replyIn(2002, "Welcome! You came through Ada's invite. Thank you both!");
    await t.replyIn(2002, '/subscribe [topic]'); // /start's usual help follows
    await t.replyIn(2001, 'A friend just joined through your invite');
    t.fake.pushUpdate(BOT_TOKEN, privateText(2002, `/start ref_${telegramCode}`));
    await t.replyIn(2002, 'You already joined through an invite');
    t.fake.pushUpdate(BOT_TOKEN, privateText(2001, `/start ref_${telegramCode}`));
    await t.replyIn(2001, "That's your own invite");
    expect(await t.app.hearth.services.db.referral.count()).toBe(1);
    expect(await stageOf(t.app, 'telegram', '2001')).toBe('community');
  });

  it('elsewhere /invite is a message with a code; /join credits a new member, once across platforms', async () => {
    await say(t.app, 'x', 'old', '/topics');
    const reply = await say(t.app, 'x', 'xavier', '/invite');
    expect(reply).toMatch(/Message the Hearth bot and send \/join [A-Z0-9]{8}"/);
    xCode = /\/join ([A-Z0-9]{8})/.exec(reply)?.[1] ?? '';
    expect(await say(t.app, 'discord', 'dina', `/join ${xCode.toLowerCase()}`)).toBe(
      "Welcome! You came through xavier's invite. Thank you both!",
    );
    expect(await say(t.app, 'discord', 'dina', `/join ${telegramCode}`)).toBe(
      'You already joined through an invite. Welcome back!',
    );
    expect(await say(t.app, 'x', 'old', `/join ${xCode}`)).toContain('you were here already');
    expect(await say(t.app, 'x', 'old', '/join NOSUCH12')).toContain("I don't know that invite code");
    expect(await t.app.hearth.services.db.referral.count()).toBe(2);
    const top = await owner(t.app, 'referrals');
    expect(top).toContain('Members who came through invites: 2 (2 this week).');
    expect(top).toContain('1. ');
    expect(top).toMatch(/telegram:2001 \(Ada\): 1/);
    expect(top).toMatch(/x:xavier \(xavier\): 1/);
  });
});
