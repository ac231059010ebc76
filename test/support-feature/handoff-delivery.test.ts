/**
 * A handoff's messages survive what the platforms do to them: the owners' platform down for longer
 * than the outbox retries (the thread root is posted again later, the question is not lost), and a
 * customer's platform refusing an owner's reply (the owners are told in the thread). Real Bolt and
 * telegraf against the fake Slack and Bot API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramAdapter } from '../../adapters/telegram/index.ts';
import { telegram as telegramModule } from '../../adapters/telegram/module.ts';
import { ROOT_REPOST_DELAY_MS } from '../../src/features/support/delivery-outcomes.ts';
import type { FakeSlackApi, SlackRequestSigner } from '../fakes/slack-api.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import type { TestHearth } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';
import { type SlackHearth, startSlackHearth } from '../support/slack-hearth.ts';
import { until } from '../support/until.ts';
import { BOT_TOKEN, BOT_USERNAME, privateText } from '../telegram/updates.ts';

const OWNERS = 'COWNERS';
const OWNER = 'UOWNER1';
const SECRET = 'handoff-delivery-secret';
/** Few attempts, so an outage outlasts them within a test. */
const MAX_ATTEMPTS = 3;

describe.each(TEST_DATABASES)('handoff delivery outcomes ($name)', (kind) => {
  let slackApi: FakeSlackApi;
  let telegramApi: FakeTelegramApi;
  let signer: SlackRequestSigner;
  let slack: SlackHearth | undefined;
  let app: TestHearth;

  beforeAll(async () => {
    const database = await kind.open();
    telegramApi = await FakeTelegramApi.start({ username: BOT_USERNAME });
    const env = { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: telegramApi.url };
    const telegram = (await telegramModule.create(env, new CapturingLogger())) as TelegramAdapter | null;
    if (!telegram) throw new Error('no telegram adapter');
    slack = await startSlackHearth(database, {
      owners: OWNERS,
      secret: SECRET,
      adapters: [telegram],
      env: { ...env, OUTBOX_MAX_ATTEMPTS: String(MAX_ATTEMPTS) },
    });
    ({ app, fake: slackApi, signer } = slack);
  });
  afterAll(async () => {
    await slack?.stop();
    await telegramApi?.close();
  });

  /** Waits until the handoff knows its owners' thread (stored once Slack answered the post). */
  const linkedToThread = (ts: string) =>
    until(
      () => app.hearth.services.db.handoff.findFirst({ where: { ownerThreadId: ts } }),
      'the handoff linked',
    );

  it('posts a handoff again later when the owners platform was down for every retry', async () => {
    const db = app.hearth.services.db;
    for (let i = 0; i < MAX_ATTEMPTS; i++) slackApi.failNext('chat.postMessage', { kind: 'server-error' });
    const customer = 5801;
    telegramApi.pushUpdate(
      BOT_TOKEN,
      privateText(customer, 'Can my parrot Zebedee join the kombucha evening?'),
    );
    const dead = await until(
      () =>
        db.outbox.findFirst({
          where: { platform: 'slack', status: 'dead', correlationId: { startsWith: 'handoff:' } },
        }),
      'the thread root given up after its retries',
    );
    const again = await until(
      () => db.outbox.findFirst({ where: { correlationId: dead.correlationId, status: 'pending' } }),
      'the thread root queued again',
    );
    expect(again.availableAt.getTime() - Date.now()).toBeGreaterThan(ROOT_REPOST_DELAY_MS - 60_000);
    expect(slackApi.messages(OWNERS).some((m) => m.text.includes('Zebedee'))).toBe(false);

    // Time passes (the row comes due) and Slack is back.
    await db.outbox.update({ where: { id: again.id }, data: { availableAt: new Date() } });
    const root = await until(
      () => slackApi.messages(OWNERS).find((m) => m.text.includes('Zebedee')),
      'the question shown to the owners',
    );
    const handoff = await until(
      () => db.handoff.findFirst({ where: { chatId: String(customer), ownerThreadId: root.ts } }),
      'the handoff linked to its thread',
    );
    expect(handoff.status).toBe('open');
  });

  it("tells the owners in the thread when the customer's platform refuses their reply", async () => {
    const customer = 5802;
    telegramApi.pushUpdate(
      BOT_TOKEN,
      privateText(customer, 'Do you rent out the kitchen for weddings on the moon?'),
    );
    const root = await until(
      () => slackApi.messages(OWNERS).find((m) => m.text.includes('weddings on the moon')),
      'the thread root',
    );
    await linkedToThread(root.ts);
    telegramApi.setChatFailure(customer, { kind: 'blocked' });
    const posted = await signer.message({
      userId: OWNER,
      channelId: OWNERS,
      threadTs: root.ts,
      text: 'Sure, call us at the shop and we will sort it out.',
    });
    expect(posted.status).toBe(200);
    const notice = await until(
      () =>
        slackApi
          .messages(OWNERS)
          .find((m) => m.threadTs === root.ts && m.text.includes('could not be delivered to the customer')),
      'the notice in the thread',
    );
    expect(notice.text).toContain('blocked the bot');
  });

  it('relays the links an owner typed in Slack as plain links, not Slack markup', async () => {
    const customer = 5803;
    telegramApi.pushUpdate(
      BOT_TOKEN,
      privateText(customer, 'Can I bring my tortoise to the tasting evening?'),
    );
    const root = await until(
      () => slackApi.messages(OWNERS).find((m) => m.text.includes('tortoise')),
      'the thread root',
    );
    await linkedToThread(root.ts);
    // What Slack delivers when the owner pastes a URL, adds a labelled link and mentions a colleague.
    const typed =
      'Yes! Details: <https://bakery.example/events|our events page>, or see <https://bakery.example/faq> - ask <@UOWNER2|sam> &amp; co';
    expect(
      (await signer.message({ userId: OWNER, channelId: OWNERS, threadTs: root.ts, text: typed })).status,
    ).toBe(200);
    const relayed = await until(
      () => telegramApi.sent(customer).find((m) => m.text.startsWith('💬')),
      'the relayed answer',
    );
    expect(relayed.text).toBe(
      '💬 Yes! Details: our events page (https://bakery.example/events), or see https://bakery.example/faq - ask sam & co',
    );
  });
});
