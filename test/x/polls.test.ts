import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { FakeXApi } from '../fakes/x-api.ts';
import { countsOf } from '../polls/helpers.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startXHearth, X_FAST_SENDS, X_OWNER, X_OWNERS, type XHearth, xUserId } from './harness.ts';

describe.each(TEST_DATABASES)('X polls as numbered DMs ($name)', (kind) => {
  let database: Database;
  let fake: FakeXApi;
  let t: XHearth;

  beforeAll(async () => {
    database = await kind.open();
    fake = await FakeXApi.start();
    t = await startXHearth(database, { fake, env: X_FAST_SENDS });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('a poll reaches X subscribers as numbered text; "2" and an option’s words count in the one tally', async () => {
    const voters = ['poll-ann', 'poll-bo', 'poll-cy'].map(xUserId);
    for (const voter of voters) {
      fake.userSays(voter, '/subscribe news');
      await t.replyTo(voter, "You're subscribed to news");
    }
    const asked = await t.signer.slashCommand({
      userId: X_OWNER,
      channelId: X_OWNERS,
      text: 'poll "Which day suits you?" "Monday" "Tuesday" "Late night" --to news --now',
    });
    expect(asked.status).toBe(200);
    const [ann, bo, cy] = voters as [string, string, string];
    const dm = await t.replyTo(ann, 'Which day suits you?');
    expect(dm.text).toContain('1. Monday\n2. Tuesday\n3. Late night');
    fake.userSays(ann, '2');
    await t.replyTo(ann, 'Your vote on "Which day suits you?": Tuesday');
    fake.userSays(bo, 'tuesday!');
    await t.replyTo(bo, 'Your vote on "Which day suits you?": Tuesday');
    fake.userSays(cy, 'Late  Night');
    await t.replyTo(cy, 'Your vote on "Which day suits you?": Late night');
    const poll = await database.prisma.poll.findFirstOrThrow({ where: { question: 'Which day suits you?' } });
    expect(await countsOf(database, poll.id, 3)).toEqual([0, 2, 1]);
    // Words that are not an option are not a vote: they go on to the FAQ / handoff.
    fake.userSays(ann, 'Wednesday please');
    await new Promise((r) => setTimeout(r, 500));
    expect(await countsOf(database, poll.id, 3)).toEqual([0, 2, 1]);
  });
});
