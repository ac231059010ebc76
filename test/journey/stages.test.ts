import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { JOURNEY_FEATURES, memberIdOf, owner, press, say, stageOf } from './helpers.ts';

describe.each(TEST_DATABASES)('journey stages from recorded facts ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({ database, env: { HEARTH_TOPICS: 'news' }, features: JOURNEY_FEATURES });
  });
  afterAll(async () => app?.stop());

  it('visitor on writing, audience on subscribing, on every platform', async () => {
    await say(app, 'telegram', 'alice', '/topics');
    expect(await stageOf(app, 'telegram', 'alice')).toBe('visitor');
    await say(app, 'telegram', 'alice', '/subscribe news');
    await say(app, 'x', 'xena', '/subscribe news');
    expect(await stageOf(app, 'telegram', 'alice')).toBe('audience');
    expect(await stageOf(app, 'x', 'xena')).toBe('audience');
  });

  it('a purchase code makes a customer, once; an owner mark too', async () => {
    const reply = await owner(app, 'codes new 3');
    expect(reply).toMatch(/^3 purchase code\(s\)/);
    const codes = reply.split('\n').slice(1);
    expect(codes).toHaveLength(3);
    const [first = '', second = ''] = codes;
    expect(await say(app, 'telegram', 'alice', first.toLowerCase())).toContain('Thank you for your purchase');
    expect(await stageOf(app, 'telegram', 'alice')).toBe('customer');
    expect(await say(app, 'x', 'xena', first)).toContain('already used');
    expect(await stageOf(app, 'x', 'xena')).toBe('audience');
    expect(await say(app, 'x', 'xena', `/code ${second.slice(0, 4)}-${second.slice(4)}`)).toContain(
      'Thank you',
    );
    expect(await stageOf(app, 'x', 'xena')).toBe('customer');
    expect(await say(app, 'x', 'xena', '/code NOPE1234')).toContain("I don't know that code");
    expect(await owner(app, 'codes')).toMatch(/3 code\(s\), 2 used/);

    await say(app, 'discord', 'bob', '/subscribe news');
    expect(await owner(app, 'customer discord:bob')).toBe(
      'Marked discord:bob as a customer. Stage now: customer.',
    );
    expect(await owner(app, 'customer discord:nobody')).toContain(
      'Hearth holds nothing about discord:nobody',
    );
  });

  it('voting makes a member community; /hearth member shows the stage and its history', async () => {
    const poll = await owner(app, 'poll --now "Best bread?" "Rye" "Spelt" --to news');
    expect(poll).toMatch(/Poll `[0-9a-f]{8}`/);
    const pollId = (await database.prisma.poll.findFirstOrThrow()).id;
    await press(app, 'discord', 'bob', 'poll.vote', `${pollId}:0`);
    expect(await database.prisma.vote.count({ where: { pollId } })).toBe(1);
    expect(await stageOf(app, 'discord', 'bob')).toBe('community');
    const shown = await owner(app, 'member discord:bob');
    expect(shown).toMatch(/Stage: community since \d{4}-\d{2}-\d{2}/);
    expect(shown).toMatch(
      /Stage history: audience \([^)]*subscribed\) → customer \([^)]*marked a customer by an owner\) → community \([^)]*voted in a poll\)/,
    );
    const history = await database.prisma.stageChange.findMany({
      where: { memberId: await memberIdOf(app, 'discord', 'bob') },
      orderBy: { id: 'asc' },
    });
    expect(history.map((h) => `${h.fromStage ?? '-'}>${h.stage}`)).toEqual([
      '->audience',
      'audience>customer',
      'customer>community',
    ]);
    expect(await owner(app, 'funnel')).toBe(
      'Members by stage:\nvisitor: 0\naudience: 0\ncustomer: 2\ncommunity: 1',
    );
  });
});
