import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';
import { countsOf, owner, pollIdFrom, press, voteNative } from './helpers.ts';

const VOTERS = 300;
/** Hundreds of full event paths on a shared two-core machine: slow under a full test run, never flaky. */
const SLOW = { timeout: 180_000 };

describe.each(TEST_DATABASES)('polls: concurrent votes ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({ database });
    await database.prisma.channel.createMany({
      data: [
        { platform: 'console', chatId: '#crowd', name: 'crowd' },
        { platform: 'telegram', chatId: '#tgcrowd', name: 'tgcrowd' },
      ],
    });
  });
  afterAll(async () => app?.stop());

  async function createPoll(args: string): Promise<{ pollId: string; nativePollId: string }> {
    const [reply] = await owner(app, `/hearth poll --now ${args} --to #crowd #tgcrowd`);
    const pollId = await pollIdFrom(database, reply);
    const post = await until(
      () => database.prisma.pollPost.findFirst({ where: { pollId, nativePollId: { not: null } } }),
      'native poll posted',
    );
    return { pollId, nativePollId: post.nativePollId ?? '' };
  }

  it(`counts ${VOTERS} parallel button votes exactly`, SLOW, async () => {
    const { pollId } = await createPoll('"Crowd?" "A" "B" "C"');
    await Promise.all(
      Array.from({ length: VOTERS }, (_, i) =>
        press(app, {
          platform: 'console',
          userId: `crowd-${i}`,
          chatId: '#crowd',
          value: `${pollId}:${i % 3}`,
        }),
      ),
    );
    expect(await countsOf(database, pollId, 3)).toEqual([VOTERS / 3, VOTERS / 3, VOTERS / 3]);
    expect(app.log.find('error', '')).toHaveLength(0);
  });

  it(
    'a member changing a single-choice vote in parallel (three answers at once) keeps exactly one vote',
    SLOW,
    async () => {
      const { pollId, nativePollId } = await createPoll('"Race?" "A" "B" "C"');
      const members = 60;
      await Promise.all(
        Array.from({ length: members }, (_, i) => [
          voteNative(app, {
            platform: 'telegram',
            userId: `racer-${i}`,
            chatId: `racer-${i}`,
            pollRef: nativePollId,
            optionIds: [0],
          }),
          voteNative(app, {
            platform: 'telegram',
            userId: `racer-${i}`,
            chatId: `racer-${i}`,
            pollRef: nativePollId,
            optionIds: [1],
          }),
          voteNative(app, {
            platform: 'telegram',
            userId: `racer-${i}`,
            chatId: `racer-${i}`,
            pollRef: nativePollId,
            optionIds: [2],
          }),
        ]).flat(),
      );
      const perMember = await database.prisma.vote.groupBy({
        by: ['memberId'],
        where: { pollId },
        _count: { _all: true },
      });
      expect(perMember).toHaveLength(members);
      expect(perMember.every((m) => m._count._all === 1)).toBe(true);
    },
  );

  it(
    'closing while votes pour in: the posted result equals what the table holds, later votes are refused',
    SLOW,
    async () => {
      const { pollId } = await createPoll('"Closing race?" "Yes" "No" --multi');
      const presses = Array.from({ length: 200 }, (_, i) =>
        press(app, {
          platform: 'console',
          userId: `late-${i}`,
          chatId: '#crowd',
          value: `${pollId}:${i % 2}`,
        }),
      );
      // Close once some votes are in, with the rest still arriving.
      await until(async () => (await database.prisma.vote.count({ where: { pollId } })) >= 20, 'first votes');
      await owner(app, `/hearth poll close ${pollId.slice(0, 8)}`);
      await until(
        async () =>
          (await database.prisma.poll.findUniqueOrThrow({ where: { id: pollId } })).status === 'closed',
        'the poll closed',
      );
      await Promise.all(presses);
      const fact = await database.prisma.metricEvent.findFirstOrThrow({
        where: { type: 'poll_closed', data: { path: ['pollId'], equals: pollId } },
      });
      const counted = await countsOf(database, pollId, 2);
      expect((fact.data as { counts: number[] }).counts).toEqual(counted);
      // Refusals are counted from the log: under load a reply may reach the console after it stopped waiting.
      const refused = app.log
        .find('info', 'vote after closing refused')
        .filter((e) => e.fields.pollId === pollId).length;
      expect(counted[0]! + counted[1]! + refused).toBe(200);
      const after = await press(app, {
        platform: 'console',
        userId: 'late-0',
        chatId: '#crowd',
        value: `${pollId}:1`,
      });
      expect(after).toEqual([]); // no post in the group per late press
      expect(await countsOf(database, pollId, 2)).toEqual(counted);
    },
  );
});
