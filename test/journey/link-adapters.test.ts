import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiscordSide, discordSide } from '../discord/harness.ts';
import { dmChannelIdOf, dmMessage } from '../fakes/discord-wire.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';
import { type TelegramSide, telegramSide } from '../telegram/harness.ts';
import { BOT_TOKEN, BOT_USERNAME, privateText } from '../telegram/updates.ts';
import { JOURNEY_FEATURES, memberIdOf, owner } from './helpers.ts';

/**
 * One person on two platforms: a Hearth with the real Telegram and Discord adapters (against their
 * fakes), owners on the console. `/link` makes the two accounts one; rewards add up, referrals count once.
 */
describe.each(TEST_DATABASES)('/link across Telegram and Discord ($name)', (kind) => {
  let tg: TelegramSide;
  let dc: DiscordSide;
  let app: TestHearth;
  let tgCode = '';
  const tgSay = (user: number, text: string) => tg.fake.pushUpdate(BOT_TOKEN, privateText(user, text));
  const dcSay = (user: string, text: string) =>
    dc.fake.gateway.dispatch('MESSAGE_CREATE', dmMessage(user, text));
  const dm = (user: string) => dmChannelIdOf(dc.fake.user(user));
  const discordId = (user: string) => dc.fake.user(user);

  /** `/link` on Telegram, the code sent from Discord: returns once both sides heard of it. */
  async function link(telegramUser: number, discordUser: string): Promise<void> {
    tgSay(telegramUser, '/link');
    const made = await tg.replyIn(telegramUser, 'Your link code:');
    const code = /Your link code: ([A-Z0-9]{6})/.exec(made.text)?.[1] ?? '';
    dcSay(discordUser, `/link ${code}`);
    await dc.replyIn(dm(discordUser), 'Linked! Your Discord and Telegram accounts are one for us now');
    await tg.replyIn(telegramUser, 'Your Telegram account is now linked with your Discord account');
  }

  const referralsOf = async (platform: 'telegram' | 'discord', user: string) =>
    app.hearth.services.db.referral.findMany({
      where: { referrerId: await memberIdOf(app, platform, platform === 'discord' ? discordId(user) : user) },
    });

  beforeAll(async () => {
    tg = await telegramSide();
    dc = await discordSide();
    app = await startTestHearth({
      database: await kind.open(),
      adapters: [tg.adapter, dc.adapter],
      env: { ...tg.env, ...dc.env, LEADER_LEASE_MS: '60000' },
      features: JOURNEY_FEATURES,
    });
    await dc.fake.gateway.whenConnected();
  });
  afterAll(async () => {
    await app?.stop();
    await tg?.close();
    await dc?.fake.close();
  });

  it('a referral on Telegram and a poll vote on Discord add up to the council, welcomed once', async () => {
    await owner(app, 'rewards set council: 1 referral and 1 vote');

    tgSay(5001, '/link');
    const made = await tg.replyIn(5001, 'Your link code:');
    expect(made.text).toMatch(/send \/link [A-Z0-9]{6} from your account on Discord or X within 15 minutes/);
    const code = /Your link code: ([A-Z0-9]{6})/.exec(made.text)?.[1] ?? '';
    dcSay('tess', `/link ${code}`);
    await dc.replyIn(dm('tess'), 'Linked! Your Discord and Telegram accounts are one for us now');
    await tg.replyIn(5001, 'Your Telegram account is now linked with your Discord account');
    // Single use: the same code again links nothing.
    dcSay('tess', `/link ${code}`);
    await dc.replyIn(dm('tess'), "I don't know that code, or it has expired.");

    tgSay(5001, '/invite');
    const invite = await tg.replyIn(5001, 'Share this link with a friend');
    tgCode = new RegExp(`t\\.me/${BOT_USERNAME}\\?start=ref_([A-Z0-9]{8})`).exec(invite.text)?.[1] ?? '';
    tgSay(5002, `/start ref_${tgCode}`);
    await tg.replyIn(5002, "You came through Ada's invite");

    dcSay('tess', '/rewards');
    const progress = await dc.replyIn(dm('tess'), 'any one of these is enough');
    expect(progress.shown).toContain('1 more poll to vote in');
    expect(progress.shown).not.toContain('friend');

    // A poll by DM to news subscribers.
    dcSay('tess', '/subscribe news');
    await dc.replyIn(dm('tess'), "You're subscribed to news");
    expect(await owner(app, 'poll --now "Which bread next?" "Rye" "Spelt" --to news')).toMatch(/Poll `/);
    // A native Discord poll in tess's DM: she votes Rye.
    const poll = await dc.fake.waitFor(
      () => dc.fake.sent(dm('tess')).find((m) => m.poll?.question === 'Which bread next?'),
      "the poll in tess's DM",
    );
    dc.fake.vote('tess', poll.id, 1, true);
    await until(() => app.hearth.services.db.vote.findFirst(), 'the vote recorded');
    const welcomes = () =>
      tg.fake.sent(5001).filter((m) => m.text.startsWith('Welcome to the council')).length +
      dc.fake.sent(dm('tess')).filter((m) => m.shown.startsWith('Welcome to the council')).length;
    await until(() => welcomes() === 1, 'the council welcome');
    tgSay(5001, '/rewards');
    await tg.replyIn(5001, "You're part of our council");
    expect(welcomes()).toBe(1);

    const member = await owner(app, 'member telegram:5001');
    expect(member).toContain(
      `Linked accounts (the same person, with /link): discord:${discordId('tess')} (tess)`,
    );
    expect(member).toContain('Stage: community');
    expect(member).toContain('reward level: council');
    // The person counts once in the funnel (5002 is the other member).
    expect(await owner(app, 'funnel')).toContain('community: 1');
  });

  it('a person is credited once across platforms, the earliest credit kept, never by themselves', async () => {
    const db = app.hearth.services.db;
    // Linked first: the Telegram account of a person who already came through an invite on Discord.
    dcSay('nora', `/join ${tgCode}`);
    await dc.replyIn(dm('nora'), "You came through Ada's invite");
    await link(5003, 'nora');
    tgSay(5003, `/start ref_${tgCode}`);
    await tg.replyIn(5003, 'You already joined through an invite');

    // Credited on both platforms by different members, then linked: the earliest credit stays.
    dcSay('pia', '/invite');
    const piaCode = /send \/join ([A-Z0-9]{8})/.exec((await dc.replyIn(dm('pia'), '/join')).shown)?.[1] ?? '';
    dcSay('omar', `/join ${tgCode}`);
    await dc.replyIn(dm('omar'), "You came through Ada's invite");
    tgSay(5004, `/start ref_${piaCode}`);
    await tg.replyIn(5004, "You came through pia's invite");
    expect(await referralsOf('discord', 'pia')).toHaveLength(1);
    await link(5004, 'omar');
    expect(await referralsOf('discord', 'pia')).toHaveLength(0);
    const omar = await db.referral.findMany({
      where: { referredId: { in: [await memberIdOf(app, 'discord', discordId('omar'))] } },
    });
    expect(omar.map((r) => r.referrerId)).toEqual([await memberIdOf(app, 'telegram', '5001')]);

    // One's own invite, used from one's other account before linking: the credit goes at the link.
    tgSay(5005, '/invite');
    const selfCode = /ref_([A-Z0-9]{8})/.exec((await tg.replyIn(5005, 'Share this link')).text)?.[1] ?? '';
    dcSay('sam', `/join ${selfCode}`);
    await dc.replyIn(dm('sam'), "You came through Ada's invite");
    expect(await referralsOf('telegram', '5005')).toHaveLength(1);
    await link(5005, 'sam');
    expect(await referralsOf('telegram', '5005')).toHaveLength(0);

    // Ada's person: 5002, nora (with 5003) and omar (with 5004), each once.
    expect(await owner(app, 'referrals')).toContain(
      `1. telegram:5001 (Ada) + discord:${discordId('tess')} (tess): 3`,
    );
  });
});
