import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import type { FakeSlackApi, SlackRequestSigner } from '../fakes/slack-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import type { TestHearth } from '../support/hearth.ts';
import { type SlackHearth, startSlackHearth } from '../support/slack-hearth.ts';
import { until } from '../support/until.ts';

const SECRET = 'support-test-signing-secret';
const OWNERS = 'COWNERS';
const OWNER = 'UOWNER1';
const WAIT_MS = 15_000;
/** The example FAQ plus near-twin entries, so that "birthday cake price?" is asked back. */
const BAKERY_FAQ = fileURLToPath(new URL('../fixtures/support-bakery-faq.json', import.meta.url));

describe.each(TEST_DATABASES)('support handoff through real Bolt + fake Slack ($name)', (kind) => {
  let fake: FakeSlackApi;
  let database: Database;
  let app: TestHearth;
  let signer: SlackRequestSigner;
  let slack: SlackHearth | undefined;

  beforeAll(async () => {
    database = await kind.open();
    slack = await startSlackHearth(database, {
      owners: OWNERS,
      secret: SECRET,
      env: { SUPPORT_FAQ_SEED: BAKERY_FAQ },
    });
    ({ app, fake, signer } = slack);
  });
  afterAll(async () => {
    await slack?.stop();
  });

  it('posts the handoff thread to Slack and relays a signed owner reply to the console customer', async () => {
    const question = 'Could you engrave a name on the mug I bought?';
    const asked = await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 'tina',
      name: 'Tina',
      text: question,
    });
    expect(asked.status).toBe(200);

    const [root] = await fake.waitForMessages(OWNERS, 1, WAIT_MS);
    expect(root?.text).toContain('Tina on telegram');
    expect(root?.text).toContain(question);
    expect(root?.threadTs).toBeUndefined();
    expect(root?.buttonLabels).toEqual(expect.arrayContaining(['✅ Resolve', '📚 Save answer as FAQ']));
    const rootTs = root?.ts ?? '';
    const handoff = await until(
      async () =>
        (await database.prisma.handoff.findFirst({ where: { ownerThreadId: rootTs } })) ?? undefined,
      'the thread ts stored on the handoff',
      WAIT_MS,
    );
    expect(handoff).toMatchObject({
      platform: 'telegram',
      chatId: 'tina',
      ownerChannelId: OWNERS,
      status: 'open',
    });

    const reply = await signer.message({
      userId: OWNER,
      channelId: OWNERS,
      threadTs: rootTs,
      text: 'Yes - bring it in and we engrave it for free.',
    });
    expect(reply.status).toBe(200);
    const relayed = await until(
      () =>
        app.hub.transcript
          .after(0)
          .find(
            (e) =>
              e.direction === 'out' &&
              e.platform === 'telegram' &&
              e.chatId === 'tina' &&
              e.text.includes('engrave it'),
          ),
      'the owner reply relayed to the customer',
      WAIT_MS,
    );
    expect(relayed.text).toBe('💬 Yes - bring it in and we engrave it for free.');
    const ack = await until(
      () =>
        fake.messages(OWNERS).find((m) => m.threadTs === rootTs && m.text.includes('Sent to the customer')),
      'the acknowledgement in the thread',
      WAIT_MS,
    );
    expect(ack.channel).toBe(OWNERS);

    // A follow-up from the same customer lands in the same Slack thread.
    await app.post('/console/api/messages', { platform: 'telegram', userId: 'tina', text: 'Also a date?' });
    await until(
      () => fake.messages(OWNERS).find((m) => m.threadTs === rootTs && m.text.includes('Also a date?')),
      'the follow-up in the thread',
      WAIT_MS,
    );

    const press = await signer.buttonPress({
      userId: OWNER,
      channelId: OWNERS,
      actionId: 'support:resolve#0',
      value: handoff.id,
      messageTs: rootTs,
    });
    expect(press.status).toBe(200);
    await until(
      () => fake.messages(OWNERS).find((m) => m.threadTs === rootTs && m.text.includes('Resolved by')),
      'the resolution note in the thread',
      WAIT_MS,
    );
    const closed = await database.prisma.handoff.findUniqueOrThrow({ where: { id: handoff.id } });
    expect(closed.status).toBe('resolved');
    expect(closed.firstAnsweredAt).toBeInstanceOf(Date);
  });

  it('flags urgent handoffs in Slack, and an owner click in Slack turns a customer pick into a phrasing', async () => {
    await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 'uma',
      name: 'Uma',
      text: 'HELP the shop door is blocked and my order is inside!!!',
    });
    const urgent = await until(
      () => fake.messages(OWNERS).find((m) => m.text.includes('the shop door is blocked')),
      'the urgent handoff in Slack',
      WAIT_MS,
    );
    expect(urgent.text.startsWith('🚨 URGENT')).toBe(true);
    expect((await database.prisma.handoff.findFirstOrThrow({ where: { urgent: true } })).reason).toBe(
      'urgent',
    );

    const asked = await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 'vic',
      name: 'Vic',
      text: 'birthday cake price?',
    });
    const buttons = (asked.body as { replies: { buttons?: { label: string; value?: string }[][] }[] })
      .replies[0]?.buttons;
    const choice = buttons?.flat().find((b) => b.label === 'How much is a large birthday cake?');
    expect(choice).toBeDefined();
    await app.post('/console/api/actions', {
      platform: 'telegram',
      userId: 'vic',
      actionId: 'support:pick',
      value: choice?.value ?? '',
    });
    const note = await until(
      () => fake.messages(OWNERS).find((m) => m.text.includes('A customer picked')),
      'the phrasing suggestion in Slack',
      WAIT_MS,
    );
    expect(note.buttonLabels).toEqual(['➕ Add phrasing', '✖ Dismiss']);
    const candidate = await database.prisma.faqPhrasingCandidate.findFirstOrThrow({
      where: { text: 'birthday cake price?' },
    });
    const press = await signer.buttonPress({
      userId: OWNER,
      channelId: OWNERS,
      actionId: 'support:phrasing-add#0',
      value: candidate.id,
      messageTs: note.ts,
    });
    expect(press.status).toBe(200);
    const entry = await until(
      async () => {
        const row = await database.prisma.faqEntry.findFirstOrThrow({
          where: { question: 'How much is a large birthday cake?' },
        });
        return row.alternatives.includes('birthday cake price?') ? row : undefined;
      },
      'the phrasing added after the owner click',
      WAIT_MS,
    );
    expect(entry.alternatives).toContain('birthday cake price?');
    expect(
      (await database.prisma.faqPhrasingCandidate.findUniqueOrThrow({ where: { id: candidate.id } })).status,
    ).toBe('added');
  });
});
