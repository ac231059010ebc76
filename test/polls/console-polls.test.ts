import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { CLOSE_DUE_JOB } from '../../src/features/polls/index.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';
import { countsOf, owner, pollIdFrom, press, say, sentTo, voteNative } from './helpers.ts';

const HOUR = 3_600_000;

describe.each(TEST_DATABASES)('polls through the console ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;
  /** Fake clock: real time plus an offset the tests move forward (the outbox stays claimable). */
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  let pollId = '';
  let nativePollId = '';

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({ database, now });
    await database.prisma.channel.createMany({
      data: [
        { platform: 'console', chatId: '#community', name: 'community', kind: 'group' }, // buttons
        { platform: 'x', chatId: '#xchat', name: 'xchat', kind: 'group' }, // no buttons: numbered
        { platform: 'telegram', chatId: '#tg', name: 'tg', kind: 'group' }, // native polls
      ],
    });
  });
  afterAll(async () => app?.stop());

  const closeJob = () => {
    const job = app.hearth.features.flatMap((f) => f.jobs ?? []).find((j) => j.name === CLOSE_DUE_JOB);
    if (!job) throw new Error('no close job');
    return job;
  };

  it('an owner creates a poll; each chat gets the rendering its platform can do', async () => {
    const [reply] = await owner(
      app,
      '/hearth poll --now “Best day?” "Mon" "Tue" "Wed" --closes 1d --to #community #xchat #tg',
    );
    expect(reply).toMatch(/posted to 3 chats \(1 as a native poll, 1 with buttons, 1 as numbered text\)/);
    pollId = await pollIdFrom(database, reply);
    // Each wait needs a non-empty list: an empty array is truthy and would return at once.
    const [native] = await until(
      () => nonEmpty(sentTo(app, 'telegram', '#tg').filter((e) => e.poll)),
      'native poll',
    );
    expect(native?.poll).toMatchObject({
      pollId,
      question: 'Best day?',
      options: ['Mon', 'Tue', 'Wed'],
      multi: false,
    });
    const [buttons] = await until(
      () => nonEmpty(sentTo(app, 'console', '#community').filter((e) => e.buttons)),
      'buttons',
    );
    expect(buttons?.buttons?.flat().map((b) => b.label)).toEqual(['Mon', 'Tue', 'Wed']);
    const [numbered] = await until(() => nonEmpty(sentTo(app, 'x', '#xchat')), 'numbered text');
    expect(numbered?.text).toContain('1. Mon\n2. Tue\n3. Wed\nReply 1, 2 or 3 to vote.');
    const post = await until(
      () =>
        database.prisma.pollPost.findFirst({
          where: { pollId, platform: 'telegram', nativePollId: { not: null } },
        }),
      'native poll id recorded',
    );
    nativePollId = post.nativePollId ?? '';
    expect(nativePollId).toBe(native?.poll?.nativePollId);
    expect(post.messageId).toBe(native?.messageId);
    expect(
      await database.prisma.outbox.count({ where: { dedupeKey: { startsWith: `poll:${pollId}:` } } }),
    ).toBe(3);
  });

  it('counts votes by button, numbered reply and native answer; a changed vote replaces the old one', async () => {
    expect(
      await press(app, { platform: 'console', userId: 'ann', chatId: '#community', value: `${pollId}:0` }),
    ).toEqual([]);
    expect(await say(app, { platform: 'x', userId: 'bob', chatId: '#xchat', text: '2' })).toEqual([
      'Thanks! Your vote on "Best day?": Tue.',
    ]);
    await voteNative(app, {
      platform: 'telegram',
      userId: 'cat',
      chatId: 'cat',
      pollRef: nativePollId,
      optionIds: [1],
    });
    expect(await countsOf(database, pollId, 3)).toEqual([1, 2, 0]);
    // Changes: ann presses Tue (single choice: Mon is replaced); cat moves to Wed; dan votes then retracts.
    await press(app, { platform: 'console', userId: 'ann', chatId: '#community', value: `${pollId}:1` });
    await voteNative(app, {
      platform: 'telegram',
      userId: 'cat',
      chatId: 'cat',
      pollRef: nativePollId,
      optionIds: [2],
    });
    await voteNative(app, {
      platform: 'telegram',
      userId: 'dan',
      chatId: 'dan',
      pollRef: nativePollId,
      optionIds: [0],
    });
    expect(await countsOf(database, pollId, 3)).toEqual([1, 2, 1]);
    await voteNative(app, {
      platform: 'telegram',
      userId: 'dan',
      chatId: 'dan',
      pollRef: nativePollId,
      optionIds: [],
    });
    expect(await countsOf(database, pollId, 3)).toEqual([0, 2, 1]);
    // A numbered reply in a chat without an open numbered poll is not a vote: it goes on to other features.
    const passedOn = await say(app, { platform: 'x', userId: 'bob', text: '3' });
    expect(passedOn).toHaveLength(1);
    expect(passedOn[0]).not.toMatch(/vote/i);
    expect(await countsOf(database, pollId, 3)).toEqual([0, 2, 1]);
  });

  it('a member with identities on two platforms has one vote', async () => {
    const member = await database.prisma.member.create({ data: { displayName: 'Eve' } });
    await database.prisma.identity.createMany({
      data: [
        { memberId: member.id, platform: 'console', platformUserId: 'eve-console' },
        { memberId: member.id, platform: 'telegram', platformUserId: 'eve-tg' },
      ],
    });
    await press(app, {
      platform: 'console',
      userId: 'eve-console',
      chatId: '#community',
      value: `${pollId}:0`,
    });
    await voteNative(app, {
      platform: 'telegram',
      userId: 'eve-tg',
      chatId: 'eve-tg',
      pollRef: nativePollId,
      optionIds: [2],
    });
    const votes = await database.prisma.vote.findMany({ where: { pollId, memberId: member.id } });
    expect(votes.map((v) => [v.optionIdx, v.platform])).toEqual([[2, 'telegram']]);
    expect(await countsOf(database, pollId, 3)).toEqual([0, 2, 2]);
  });

  it('ignores malformed and unknown vote payloads safely', async () => {
    const unknownId = '00000000-0000-4000-8000-000000000000';
    for (const value of ['garbage', `${pollId}:7`, `${pollId}:-1`, `${unknownId}:0`, '']) {
      expect(
        await press(app, { platform: 'console', userId: 'mallory', chatId: '#community', value }),
      ).toEqual([]);
    }
    await voteNative(app, {
      platform: 'telegram',
      userId: 'mallory',
      chatId: '#tg',
      pollRef: 'no-such-poll',
      optionIds: [0],
    });
    await voteNative(app, {
      platform: 'telegram',
      userId: 'mallory',
      chatId: '#tg',
      pollRef: nativePollId,
      optionIds: [9],
    });
    await voteNative(app, {
      platform: 'telegram',
      userId: 'mallory',
      chatId: '#tg',
      pollRef: nativePollId,
      optionIds: [0, 1],
    });
    expect(await say(app, { platform: 'x', userId: 'mallory', chatId: '#xchat', text: '9' })).toEqual([
      'Please reply with a number from 1 to 3.',
    ]);
    expect(await say(app, { platform: 'x', userId: 'mallory', chatId: '#xchat', text: '1 2' })).toEqual([
      'This poll takes one answer: reply 1, 2 or 3.',
    ]);
    expect(await countsOf(database, pollId, 3)).toEqual([0, 2, 2]);
    expect(app.log.find('warn', 'ignored').length).toBeGreaterThanOrEqual(8);
    expect(app.log.find('error', 'handler failed')).toHaveLength(0);
  });

  it('/hearth polls lists the open poll with how many voted', async () => {
    const [list] = await owner(app, '/hearth polls');
    expect(list).toMatch(
      new RegExp(`${pollId.slice(0, 8)}.*Best day\\? — 4 voted, posted to 3 chats, closes`),
    );
  });

  it('closes on time: stops the native poll, posts results to every channel and the owners', async () => {
    expect(await closeJob().run(now())).toBeUndefined();
    expect((await database.prisma.poll.findUniqueOrThrow({ where: { id: pollId } })).status).toBe('open');
    offsetMs += 24 * HOUR + 60_000;
    await closeJob().run(now());
    await closeJob().run(now()); // a second run (another instance) finds nothing to close
    const poll = await database.prisma.poll.findUniqueOrThrow({ where: { id: pollId } });
    expect(poll.status).toBe('closed');
    const stop = await until(() => sentTo(app, 'telegram', '#tg').find((e) => e.stoppedPoll), 'stopPoll');
    const post = await database.prisma.pollPost.findFirstOrThrow({ where: { pollId, platform: 'telegram' } });
    expect(stop.stoppedPoll).toBe(post.messageId);
    const expected = ['░░░░░░░░░░   0% (0)  Mon', '█████░░░░░  50% (2)  Tue', '█████░░░░░  50% (2)  Wed'];
    for (const [platform, chatId] of [
      ['console', '#community'],
      ['x', '#xchat'],
      ['telegram', '#tg'],
      ['slack', '#owners'],
    ]) {
      const results = await until(
        () =>
          nonEmpty(
            sentTo(app, platform as string, chatId as string).filter((e) => e.text.includes('Poll results')),
          ),
        `results in ${chatId}`,
      );
      expect(results).toHaveLength(1);
      expect(results[0]?.text).toContain(expected.join('\n'));
      expect(results[0]?.text).toContain('4 people voted.');
    }
    const owners = sentTo(app, 'slack', '#owners').find((e) => e.text.includes('Poll results'));
    expect(JSON.stringify(owners?.blocks)).toContain('50% (2)');
    const facts = await database.prisma.metricEvent.findMany({ where: { type: 'poll_closed' } });
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({
      value: 4,
      data: { pollId, counts: [0, 2, 2], voters: 4, reason: 'due' },
    });
    expect(await database.prisma.metricEvent.count({ where: { type: 'poll_vote' } })).toBeGreaterThanOrEqual(
      8,
    );
  });

  it('refuses votes after closing politely and leaves the count alone', async () => {
    // A button pressed in a group gets no post there (one per press, for everyone); in a DM it is told.
    expect(
      await press(app, { platform: 'console', userId: 'ann', chatId: '#community', value: `${pollId}:0` }),
    ).toEqual([]);
    expect(
      await press(app, { platform: 'console', userId: 'ann', chatId: 'ann', value: `${pollId}:0` }),
    ).toEqual(['Thanks! This poll is closed now, so your vote was not counted.']);
    expect(await say(app, { platform: 'x', userId: 'bob', chatId: '#xchat', text: '1' })).toEqual([
      'Thanks! This poll is closed now, so your vote was not counted.',
    ]);
    await voteNative(app, {
      platform: 'telegram',
      userId: 'cat',
      chatId: '#tg',
      pollRef: nativePollId,
      optionIds: [0],
    });
    expect(
      await voteNative(app, {
        platform: 'telegram',
        userId: 'cat',
        chatId: 'cat',
        pollRef: nativePollId,
        optionIds: [0],
      }),
    ).toEqual(['Thanks! This poll is closed now, so your vote was not counted.']);
    expect(await countsOf(database, pollId, 3)).toEqual([0, 2, 2]);
    const [again] = await owner(app, `/hearth poll close ${pollId.slice(0, 8)}`);
    expect(again).toMatch(/already closed/);
  });

  it("posts to a topic's subscribers by DM; a numbered DM reply votes; an owner closes it by command", async () => {
    await say(app, { platform: 'x', userId: 'zed', text: '/subscribe news' });
    const [reply] = await owner(app, '/hearth poll --now "Second?" "X" "Y" --multi --to news #community');
    expect(reply).toMatch(/posted to 2 chats \(1 with buttons, 1 as numbered text\).*\/hearth poll close/);
    const second = await pollIdFrom(database, reply);
    await until(() => sentTo(app, 'x', 'zed').find((e) => e.text.includes('Second?')), 'DM poll');
    expect(await say(app, { platform: 'x', userId: 'zed', text: '1, 2' })).toEqual([
      'Thanks! Your vote on "Second?": X, Y.',
    ]);
    await press(app, { platform: 'console', userId: 'ann', chatId: '#community', value: `${second}:1` });
    await press(app, { platform: 'console', userId: 'bob', chatId: '#community', value: `${second}:1` });
    await press(app, { platform: 'console', userId: 'bob', chatId: '#community', value: `${second}:0` });
    await press(app, { platform: 'console', userId: 'bob', chatId: '#community', value: `${second}:0` }); // toggled off
    expect(await countsOf(database, second, 2)).toEqual([1, 3]);
    const [closed] = await owner(app, `/hearth poll close ${second.slice(0, 8)}`);
    expect(closed).toMatch(/Closed poll `.{8}`: 3 voted\. Results are on their way to 2 chats/);
    const results = await until(
      () => sentTo(app, 'slack', '#owners').find((e) => e.text.includes('Poll results: Second?')),
      'owner results',
    );
    expect(results.text).toContain('███░░░░░░░  33% (1)  X\n██████████ 100% (3)  Y');
    expect(results.text).toContain('several choices allowed');
    // The DM subscriber is not sent the results (that would be a new broadcast).
    expect(sentTo(app, 'x', 'zed').filter((e) => e.text.includes('Poll results'))).toHaveLength(0);
  });

  it('shows results on demand; a day after closing, numbers in that chat go to the other features', async () => {
    const [results] = await owner(app, `/hearth poll results ${pollId.slice(0, 8)}`);
    expect(results).toContain('Poll results: Best day?');
    expect(results).toContain('█████░░░░░  50% (2)  Tue');
    offsetMs += 25 * HOUR;
    const later = await say(app, { platform: 'x', userId: 'bob', chatId: '#xchat', text: '1' });
    expect(later.join('\n')).not.toMatch(/closed|vote/i);
    expect(await countsOf(database, pollId, 3)).toEqual([0, 2, 2]);
  });

  it('refuses bad poll commands in plain words', async () => {
    const [reply] = await owner(app, '/hearth poll --now "Only one?" "A"');
    expect(reply).toMatch(/at least 2 options.*\nUsage: \/hearth poll/s);
    const [unknown] = await owner(app, '/hearth poll --now "Q?" "A" "B" --to #nowhere');
    expect(unknown).toMatch(/I don't know #nowhere\. Channels and topics: .*#community.*news/);
    const [noPoll] = await owner(app, '/hearth poll close deadbeef');
    expect(noPoll).toMatch(/No poll with id "deadbeef"/);
    expect(
      await say(app, { platform: 'telegram', userId: 'cust', text: '/hearth poll --now "Q?" "A" "B"' }),
    ).toEqual([expect.stringMatching(/only for the owners/)]);
  });
});

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}
