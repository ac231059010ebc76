import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import type { FakeSlackApi, FakeSlackMessage, SlackRequestSigner } from '../fakes/slack-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import type { TestHearth } from '../support/hearth.ts';
import { type SlackHearth, startSlackHearth } from '../support/slack-hearth.ts';
import { until } from '../support/until.ts';
import { countsOf, pollIdFrom, press, sentTo } from './helpers.ts';

const SECRET = 'polls-test-signing-secret';
const OWNERS = 'COWNERS';
const OWNER = 'UOWNER1';

describe.each(TEST_DATABASES)('polls from Slack through real Bolt ($name)', (kind) => {
  let database: Database;
  let fake: FakeSlackApi;
  let app: TestHearth;
  let signer: SlackRequestSigner;
  let slack: SlackHearth | undefined;
  let pollId = '';

  beforeAll(async () => {
    database = await kind.open();
    slack = await startSlackHearth(database, { owners: OWNERS, secret: SECRET, ownerMembers: [OWNER] });
    ({ app, fake, signer } = slack);
    await database.prisma.channel.create({
      data: { platform: 'console', chatId: '#community', name: 'community' },
    });
  });
  afterAll(async () => {
    await slack?.stop();
  });

  /** A signed `/hearth <text>` from an owner in the owners' channel; returns what Hearth posted there. */
  async function owner(text: string): Promise<FakeSlackMessage> {
    const before = fake.messages(OWNERS).length;
    const response = await signer.slashCommand({ userId: OWNER, channelId: OWNERS, text });
    expect(response.status).toBe(200);
    const messages = await fake.waitForMessages(OWNERS, before + 1, 15_000);
    return messages.at(-1) as FakeSlackMessage;
  }

  it('a signed /hearth poll (curly quotes as Slack types them) creates and posts the poll', async () => {
    const reply = await owner('poll --now “Open on Sundays?” “Yes” “No” “Only mornings” --to #community');
    expect(reply.text).toMatch(/Poll `[0-9a-f]{8}` "Open on Sundays\?" posted to 1 chat \(1 with buttons\)/);
    pollId = await pollIdFrom(database, reply.text);
    const posted = await until(
      () => sentTo(app, 'console', '#community').find((e) => e.text.includes('Open on Sundays?')),
      'poll in the community',
    );
    expect(posted.buttons?.flat().map((b) => b.label)).toEqual(['Yes', 'No', 'Only mornings']);
  });

  it('a bad /hearth poll is answered in plain words in the owners channel', async () => {
    const reply = await owner('poll --now "Just a question?"');
    expect(reply.text).toMatch(/at least 2 options[\s\S]*Usage: \/hearth poll/);
  });

  it('/hearth polls and /hearth poll close: the results with Block Kit reach the owners channel at the fake', async () => {
    for (const [user, idx] of [
      ['c1', 0],
      ['c2', 0],
      ['c3', 2],
    ] as const) {
      await press(app, {
        platform: 'console',
        userId: user,
        chatId: '#community',
        value: `${pollId}:${idx}`,
      });
    }
    expect(await countsOf(database, pollId, 3)).toEqual([2, 0, 1]);
    expect((await owner('polls')).text).toContain('Open on Sundays? — 3 voted, posted to 1 chat');
    const before = fake.messages(OWNERS).length;
    await signer.slashCommand({ userId: OWNER, channelId: OWNERS, text: `poll close ${pollId.slice(0, 8)}` });
    const messages = await fake.waitForMessages(OWNERS, before + 2, 15_000);
    const results = messages.find((m) => m.text.includes('Poll results: Open on Sundays?'));
    expect(results?.text).toContain(
      '███████░░░  67% (2)  Yes\n░░░░░░░░░░   0% (0)  No\n███░░░░░░░  33% (1)  Only mornings',
    );
    expect(results?.blocks?.[0]).toMatchObject({ type: 'header' });
    expect(JSON.stringify(results?.blocks)).toContain('67% (2)');
    expect(messages.some((m) => /Closed poll `[0-9a-f]{8}`: 3 voted/.test(m.text))).toBe(true);
    await until(
      () => sentTo(app, 'console', '#community').find((e) => e.text.includes('Poll results')),
      'results in the community',
    );
  });
});
