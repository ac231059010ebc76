import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeSlackApi, SlackRequestSigner } from '../fakes/slack-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import type { TestHearth } from '../support/hearth.ts';
import { type SlackHearth, startSlackHearth } from '../support/slack-hearth.ts';

const SECRET = 'handoff-secret';
const OWNERS = 'COWNERS';

/**
 * The Slack side of a support handoff, end to end: a customer's question Hearth cannot answer is
 * posted in the owners' channel; an owner's reply in that message's thread (thread_ts) reaches the
 * customer; /hearth stats then counts the question and the time to the human answer.
 */
describe.each(TEST_DATABASES)('support handoff through a Slack thread ($name)', (kind) => {
  let fake: FakeSlackApi;
  let app: TestHearth;
  let signer: SlackRequestSigner;
  let slack: SlackHearth | undefined;

  beforeAll(async () => {
    const database = await kind.open();
    slack = await startSlackHearth(database, { owners: OWNERS, secret: SECRET });
    ({ app, fake, signer } = slack);
  });
  afterAll(async () => {
    await slack?.stop();
  });

  it("relays an owner's thread reply to the customer and counts it in the stats", async () => {
    const asked = await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 't-parrot',
      text: 'Can my parrot Zebedee join the quarterly kombucha tasting evening?',
    });
    expect(asked.status).toBe(200);
    const [handoff] = await fake.waitForMessages(OWNERS, 1);
    expect(handoff?.text).toContain('Zebedee');
    const threadTs = handoff?.ts ?? '';

    await signer.message({
      userId: 'UOWNER',
      channelId: OWNERS,
      threadTs,
      text: 'Parrots are welcome on the terrace!',
    });
    const deadline = Date.now() + 15_000;
    const toCustomer = () =>
      app.hub.transcript.after(0, (e) => e.direction === 'out' && e.chatId === 't-parrot').map((e) => e.text);
    while (!toCustomer().some((t) => t.includes('Parrots are welcome')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(toCustomer().some((t) => t.includes('Parrots are welcome on the terrace!'))).toBe(true);
    // The confirmation to the owner stays in the handoff's thread.
    const confirmation = await fake.waitFor(
      (c) => c.method === 'chat.postMessage' && c.body.thread_ts === threadTs,
    );
    expect(confirmation.body.channel).toBe(OWNERS);

    const before = fake.messages(OWNERS).length;
    await signer.slashCommand({ userId: 'UOWNER', channelId: OWNERS, text: 'stats day' });
    const stats = (await fake.waitForMessages(OWNERS, before + 1)).at(-1);
    expect(stats?.text).toContain(
      'Questions: 1 asked = 0 answered automatically + 1 handed off + 0 asked back, no pick',
    );
    expect(stats?.text).toMatch(
      /Handoffs: 1 answered \(median first answer \d+ s\), 0 waiting, 0 resolved without a reply/,
    );
  });
});
