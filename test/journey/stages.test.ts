import { describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../support/databases.ts';
import { consoleJourney, memberIdOf, owner, press, say, stageOf } from './helpers.ts';

describe.each(TEST_DATABASES)('journey stages from recorded facts ($name)', (kind) => {
  const t = consoleJourney(kind);

  it('visitor on writing, audience on subscribing, on every platform', async () => {
    await say(t.app, 'telegram', 'alice', '/topics');
    expect(await stageOf(t.app, 'telegram', 'alice')).toBe('visitor');
    await say(t.app, 'telegram', 'alice', '/subscribe news');
    await say(t.app, 'x', 'xena', '/subscribe news');
    expect(await stageOf(t.app, 'telegram', 'alice')).toBe('audience');
    expect(await stageOf(t.app, 'x', 'xena')).toBe('audience');
  });

  it('a purchase code makes a customer, once; an owner mark too', async () => {
    const reply = await owner(t.app, 'codes new 3');
    expect(reply).toMatch(/^3 purchase code\(s\)/);
    const codes = reply.split('\n').slice(1);
    expect(codes).toHaveLength(3);
    const [first = '', second = ''] = codes;
    expect(await say(t.app, 'telegram', 'alice', first.toLowerCase())).toContain(
      'Thank you for your purchase',
    );
    expect(await stageOf(t.app, 'telegram', 'alice')).toBe('customer');
    expect(await say(t.app, 'x', 'xena', first)).toContain('already used');
    expect(await stageOf(t.app, 'x', 'xena')).toBe('audience');
    expect(await say(t.app, 'x', 'xena', `/code ${second.slice(0, 4)}-${second.slice(4)}`)).toContain(
      'Thank you',
    );
    expect(await stageOf(t.app, 'x', 'xena')).toBe('customer');
    expect(await say(t.app, 'x', 'xena', '/code NOPE1234')).toContain("I don't know that code");
    expect(await owner(t.app, 'codes')).toMatch(/3 code\(s\), 2 used/);

    await say(t.app, 'discord', 'bob', '/subscribe news');
    expect(await owner(t.app, 'customer discord:bob')).toBe(
      'Marked discord:bob as a customer. Stage now: customer.',
    );
    expect(await owner(t.app, 'customer discord:nobody')).toContain(
      'Hearth holds nothing about discord:nobody',
    );
  });

  it('voting makes a member community; /hearth member shows the stage and its history', async () => {
    const poll = await owner(t.app, 'poll --now "Best bread?" "Rye" "Spelt" --to news');
    expect(poll).toMatch(/Poll `[0-9a-f]{8}`/);
    const pollId = (await t.database.prisma.poll.findFirstOrThrow()).id;
    await press(t.app, 'discord', 'bob', 'poll.vote', `${pollId}:0`);
    expect(await t.database.prisma.vote.count({ where: { pollId } })).toBe(1);
    expect(await stageOf(t.app, 'discord', 'bob')).toBe('community');
    const shown = await owner(t.app, 'member discord:bob');
    expect(shown).toMatch(/Stage: community since \d{4}-\d{2}-\d{2}/);
    expect(shown).toMatch(
      /Stage history: audience \([^)]*subscribed\) → customer \([^)]*marked a customer by an owner\) → community \([^)]*voted in a poll\)/,
    );
    const history = await t.database.prisma.stageChange.findMany({
      where: { memberId: await memberIdOf(t.app, 'discord', 'bob') },
      orderBy: { id: 'asc' },
    });
    expect(history.map((h) => `${h.fromStage ?? '-'}>${h.stage}`)).toEqual([
      '->audience',
      'audience>customer',
      'customer>community',
    ]);
    expect(await owner(t.app, 'funnel')).toBe(
      'Members by stage:\nvisitor: 0\naudience: 0\ncustomer: 2\ncommunity: 1',
    );
  });
});
