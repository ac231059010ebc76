import { describe, expect, it } from 'vitest';
import { FORGET_ACTION } from '../../src/features/metrics/commands.ts';
import { testClock, zonedDayAt } from '../support/clock.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { consoleJourney, memberIdOf, owner, press, say } from './helpers.ts';

const TZ = 'Europe/Berlin';
const MINUTE = 60_000;
const UNKNOWN =
  "I don't know that code, or it has expired. Send /link on your other account for a new one (a code works for 15 minutes).";

/** `/link` through the console: the codes' rules, the weekly cap and timezone per person, forget. */
describe.each(TEST_DATABASES)('linking a person across platforms ($name)', (kind) => {
  const clock = testClock(zonedDayAt(TZ, 1, 12));
  const later = (ms: number) => clock.set(new Date(clock.now().getTime() + ms));
  const t = consoleJourney(kind, {
    env: { SCHEDULE_TIMEZONE: TZ, MARKETING_RESTRAINT: 'true' },
    now: clock.now,
  });

  async function codeFor(platform: 'telegram' | 'discord' | 'x', user: string): Promise<string> {
    const reply = await say(t.app, platform, user, '/link');
    const code = /Your link code: ([A-Z0-9]{6})/.exec(reply)?.[1];
    if (!code) throw new Error(`no link code in: ${reply}`);
    return code;
  }

  it('codes are single-use and expire; own and same-platform codes are refused; guesses are limited; nothing is echoed', async () => {
    // In a group anyone could read the code: only in direct chats.
    const inGroup = await t.app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 'ann',
      name: 'ann',
      chatId: '#community',
      text: '/link',
    });
    const groupReplies = (inGroup.body as { replies: { text: string }[] }).replies.map((r) => r.text);
    expect(groupReplies).toEqual(['To keep your code private, send /link to me in a direct message.']);
    expect(await t.database.prisma.linkCode.count()).toBe(0);
    const own = await codeFor('telegram', 'ann');
    expect(await say(t.app, 'telegram', 'ann', `/link ${own}`)).toBe(
      "That's the code for this account. Send it from your account on another platform.",
    );
    expect(await say(t.app, 'telegram', 'bea', `/link ${own}`)).toContain(
      "I can't link two accounts on the same platform.",
    );
    expect(await say(t.app, 'x', 'xan', `/link ${own}`)).toBe(UNKNOWN); // used up by bea's try

    const expiring = await codeFor('telegram', 'ann');
    later(16 * MINUTE);
    expect(await say(t.app, 'x', 'xan', `/link ${expiring.toLowerCase()}`)).toBe(UNKNOWN);
    // Customer text is never echoed back (no markup, no mention).
    expect(await say(t.app, 'x', 'xan', '/link <b>*@everyone*</b>')).toBe(UNKNOWN);
    for (const guess of ['AAAAAA', 'BBBBBB', 'CCCCCC'])
      expect(await say(t.app, 'x', 'xan', `/link ${guess}`)).toBe(UNKNOWN);
    // Five wrong codes in 15 minutes: even a right one waits.
    const right = await codeFor('telegram', 'ann');
    expect(await say(t.app, 'x', 'xan', `/link ${right}`)).toBe(
      'Too many wrong codes for now. Please try again in a while.',
    );
    later(16 * MINUTE);
    const fresh = await codeFor('telegram', 'ann');
    expect(await say(t.app, 'x', 'xan', `/link ${fresh}`)).toBe(
      'Linked! Your X and Telegram accounts are one for us now: your progress in /rewards adds up.',
    );
    expect(await say(t.app, 'x', 'xan', `/link ${fresh}`)).toBe(UNKNOWN);
    expect(await say(t.app, 'x', 'xan', '/link')).toContain('Linked now: Telegram.');
    expect(await say(t.app, 'telegram', 'ann', `/link ${await codeFor('x', 'xan')}`)).toBe(
      'These accounts are already linked.',
    );
  });

  it("the weekly cap counts per person across platforms; /timezone on one platform is the person's", async () => {
    expect(await owner(t.app, 'restraint cap 1')).toContain('at most 1 message(s) a week');
    await say(t.app, 'telegram', 'ann', '/subscribe news');
    await say(t.app, 'x', 'xan', '/subscribe news');
    await say(t.app, 'telegram', 'cyd', '/subscribe news');
    await owner(t.app, 'announce --now news Once a week is plenty');
    const rows = () =>
      t.database.prisma.outbox.findMany({
        where: { payload: { path: ['text'], equals: 'Once a week is plenty' } },
      });
    const settled = await until(async () => {
      const all = await rows();
      return all.length === 3 && all.every((r) => r.status === 'sent' || r.status === 'cancelled') && all;
    }, 'the broadcast settled');
    const ids = {
      ann: await memberIdOf(t.app, 'telegram', 'ann'),
      xan: await memberIdOf(t.app, 'x', 'xan'),
      cyd: await memberIdOf(t.app, 'telegram', 'cyd'),
    };
    const person = settled.filter((r) => r.memberId === ids.ann || r.memberId === ids.xan);
    expect(person.map((r) => r.status).sort()).toEqual(['cancelled', 'sent']);
    expect(person.find((r) => r.status === 'cancelled')?.lastError).toBe(
      'not sent: weekly cap of 1 (would have been stale)',
    );
    expect(settled.find((r) => r.memberId === ids.cyd)?.status).toBe('sent');

    expect(await say(t.app, 'x', 'xan', '/timezone America/New_York')).toBe(
      'Thanks! Your timezone is now America/New_York.',
    );
    expect(await say(t.app, 'telegram', 'ann', '/timezone')).toContain('Your timezone is America/New_York.');
  });

  it('/hearth member shows the linked accounts; forget erases one and unlinks it, the ledger untouched', async () => {
    const ann = await memberIdOf(t.app, 'telegram', 'ann');
    const xan = await memberIdOf(t.app, 'x', 'xan');
    const shown = await owner(t.app, 'member x:xan');
    expect(shown).toContain('Linked accounts (the same person, with /link): telegram:ann (ann)');
    expect(shown).toContain('Stage: audience');
    expect(await owner(t.app, 'member telegram:ann forget')).toContain('Its linked accounts stay.');
    const xanLedger = await t.database.prisma.consentEvent.count({ where: { memberId: xan } });
    const erased = await press(t.app, 'slack', 'U-owner', FORGET_ACTION, 'telegram:ann', '#owners');
    expect(erased).toContain('Erased telegram:ann');
    expect(erased).toContain('It was linked with x:xan: kept, and no longer linked to it');
    expect(await t.database.prisma.member.findUnique({ where: { id: ann } })).toBeNull();
    expect((await t.database.prisma.member.findUniqueOrThrow({ where: { id: xan } })).personId).toBeNull();
    // The erased member's ledger rows lose their id (as before); the kept account's rows are as they were.
    expect(await t.database.prisma.consentEvent.count({ where: { memberId: ann } })).toBe(0);
    expect(await t.database.prisma.consentEvent.count({ where: { memberId: xan } })).toBe(xanLedger);
    // The person's journey (timezone, stage) stays with the account that remains.
    expect(await say(t.app, 'x', 'xan', '/timezone')).toContain('Your timezone is America/New_York.');
    const after = await owner(t.app, 'member x:xan');
    expect(after).not.toContain('Linked accounts');
    expect(after).toContain('Stage: audience');
  });

  it('a credit to an account whose person was here before the invite is dropped when they link', async () => {
    await say(t.app, 'telegram', 'olga', '/topics'); // olga has been here a while
    const code = /\/join ([A-Z0-9]{8})/.exec(await say(t.app, 'x', 'rex', '/invite'))?.[1] ?? '';
    // Her new Discord account looks new: credited.
    expect(await say(t.app, 'discord', 'olga-d', `/join ${code}`)).toContain("You came through rex's invite");
    const rex = await memberIdOf(t.app, 'x', 'rex');
    expect(await t.database.prisma.referral.count({ where: { referrerId: rex } })).toBe(1);
    expect(await say(t.app, 'discord', 'olga-d', `/link ${await codeFor('telegram', 'olga')}`)).toContain(
      'Linked!',
    );
    expect(await t.database.prisma.referral.count({ where: { referrerId: rex } })).toBe(0);
    expect(await say(t.app, 'telegram', 'olga', `/join ${code}`)).toContain('you were here already');
  });
});
