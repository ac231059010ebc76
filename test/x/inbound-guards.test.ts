/**
 * Fixes from the review of the X adapter, inbound side: webhook deliveries for other accounts,
 * replays, echoes of the bot's own DMs, group conversations and a polling backlog longer than one
 * read window. The REAL twitter-api-v2 against the fake X API on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XClient } from '../../adapters/x/client.ts';
import { CURSOR_KEY, DmPoller, snowflakeAt } from '../../adapters/x/polling.ts';
import { InboundReceiver } from '../../src/core/receiver.ts';
import { ProcessedEvents } from '../../src/members/processed-events.ts';
import { FakeXApi, snowflakeAt as fakeSnowflakeAt } from '../fakes/x-api.ts';
import { MemoryAdapterState } from '../support/adapter-context.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { CapturingLogger } from '../support/logger.ts';
import {
  dmDelivery,
  postSigned,
  recordingSink,
  type StartedXAdapter,
  startXAdapter,
  X_HOOK_URL,
} from './adapter-support.ts';
import { startXHearth, X_FAST_SENDS, X_TEST_ENV, type XHearth, xUserId } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY_MS = 24 * 3600_000;

describe('X webhook: only the business account’s received DMs', () => {
  let fake: FakeXApi;
  let s: StartedXAdapter;
  beforeAll(async () => {
    fake = await FakeXApi.start();
    s = await startXAdapter(fake);
  });
  afterAll(async () => {
    await s?.stop();
    await fake?.close();
  });

  it('ignores a delivery for another account subscribed to the same app (for_user_id)', async () => {
    // One app webhook serves every account subscribed to it: X posts each one's events with its id.
    const otherAccount = '1700000000000000009';
    const customer = xUserId('fixes-other-account-customer');
    const toOther = dmDelivery(otherAccount, customer, otherAccount, 'Hi other shop, /topics please');
    const fromOther = dmDelivery(otherAccount, otherAccount, customer, 'Thanks for your order!');
    expect((await postSigned(s.url, toOther)).status).toBe(200);
    expect((await postSigned(s.url, fromOther)).status).toBe(200);
    // An event neither to nor from the bot, even when for_user_id names the bot.
    const notOurs = dmDelivery(fake.botUserId, customer, otherAccount, 'Not for Hearth');
    expect((await postSigned(s.url, notOurs)).status).toBe(200);
    await sleep(100);
    expect(s.events.filter((e) => e.sender.userId === customer)).toEqual([]);
    expect(s.usage.inbound).toBe(0);

    const mine = dmDelivery(fake.botUserId, customer, fake.botUserId, 'Hi Hearth');
    expect((await postSigned(s.url, mine)).status).toBe(200);
    await fake.waitFor(() => s.events.find((e) => e.sender.userId === customer), 2000, 'the own DM');
  });

  it("does not count the bot's own DMs pushed back (dm.sent) as billed reads", async () => {
    const customer = xUserId('fixes-echo-billing');
    const before = s.usage.inbound;
    const own = dmDelivery(fake.botUserId, fake.botUserId, customer, 'Topics: news, offers');
    expect((await postSigned(s.url, own)).status).toBe(200);
    await sleep(100);
    expect(s.events.filter((e) => e.address.chatId === customer)).toEqual([]);
    expect(s.usage.inbound - before).toBe(0);

    const received = dmDelivery(fake.botUserId, customer, fake.botUserId, 'Thanks!');
    expect((await postSigned(s.url, received)).status).toBe(200);
    await fake.waitFor(() => s.events.find((e) => e.address.chatId === customer), 2000, 'the DM');
    expect(s.usage.inbound - before).toBe(1); // dm.received is billed
  });

  it('ignores a DM older than 48 hours or without a time (X replays at most 24 hours back)', async () => {
    const customer = xUserId('fixes-old-delivery');
    const old = dmDelivery(fake.botUserId, customer, fake.botUserId, 'old', {
      createdMs: Date.now() - 3 * DAY_MS,
    });
    const timeless = JSON.parse(dmDelivery(fake.botUserId, customer, fake.botUserId, 'timeless'));
    delete timeless.direct_message_events[0].created_timestamp;
    expect((await postSigned(s.url, old)).status).toBe(200);
    expect((await postSigned(s.url, JSON.stringify(timeless))).status).toBe(200);
    await sleep(100);
    expect(s.events.filter((e) => e.sender.userId === customer)).toEqual([]);
    expect(s.log.find('info', 'older than 48 hours')).toHaveLength(2);

    // One X replays (within 24 hours) is taken.
    const replayed = dmDelivery(fake.botUserId, customer, fake.botUserId, 'replayed', {
      createdMs: Date.now() - 20 * 3600_000,
    });
    expect((await postSigned(s.url, replayed)).status).toBe(200);
    await fake.waitFor(() => s.events.find((e) => e.sender.userId === customer), 2000, 'the replayed DM');
  });
});

describe.each(TEST_DATABASES)('X webhook: a captured delivery replayed later ($name)', (kind) => {
  let fake: FakeXApi;
  let t: XHearth;
  let url: string;
  beforeAll(async () => {
    fake = await FakeXApi.start();
    t = await startXHearth(await kind.open(), { fake, env: { ...X_FAST_SENDS, X_WEBHOOK_URL: X_HOOK_URL } });
    url = `${t.app.baseUrl}/x/webhook`;
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('does not re-subscribe a customer who said STOP once the dedupe record is pruned (7 days)', async () => {
    const db = t.app.hearth.services.db;
    const topicsOf = async (userId: string) => {
      const identity = await db.identity.findUnique({
        where: { platform_platformUserId: { platform: 'x', platformUserId: userId } },
      });
      if (!identity) return [];
      const subscriptions = await db.subscription.findMany({ where: { memberId: identity.memberId } });
      return subscriptions.map((s) => s.topic);
    };
    const ann = xUserId('fixes-replay-ann');
    // Eight days ago X posted Ann's "/subscribe news"; someone kept the body and its signature.
    const captured = dmDelivery(fake.botUserId, ann, fake.botUserId, '/subscribe news', {
      createdMs: Date.now() - 8 * DAY_MS,
    });
    const subscribe = dmDelivery(fake.botUserId, ann, fake.botUserId, '/subscribe news');
    expect((await postSigned(url, subscribe)).status).toBe(200);
    await t.replyTo(ann, "You're subscribed to news");
    expect((await postSigned(url, dmDelivery(fake.botUserId, ann, fake.botUserId, 'STOP'))).status).toBe(200);
    await t.replyTo(ann, "You're unsubscribed from everything");
    await new ProcessedEvents(db).prune(new Date(Date.now() - 7 * DAY_MS)); // the nightly job
    // X's signature has no timestamp: the old body is still validly signed.
    expect((await postSigned(url, captured)).status).toBe(200);
    await sleep(1000);
    expect(await topicsOf(ann)).toEqual([]);
    expect(t.adapterLog.find('info', 'older than 48 hours')).toHaveLength(1);
  });
});

describe('X polling: backlogs and group conversations', () => {
  let fake: FakeXApi;
  beforeAll(async () => {
    fake = await FakeXApi.start();
  });
  afterAll(async () => {
    await fake?.close();
  });

  /** The real poller (twitter-api-v2 → fake X) with its cursor just before now. */
  async function startPoller(pageSize: number) {
    const log = new CapturingLogger();
    const state = new MemoryAdapterState();
    await state.set(CURSOR_KEY, { lastEventId: snowflakeAt(Date.now() - 1000) });
    const { sink, events } = recordingSink();
    const credentials = {
      appKey: 'k',
      appSecret: X_TEST_ENV.X_APP_SECRET,
      accessToken: 't',
      accessSecret: 's',
    };
    const poller = new DmPoller({
      client: new XClient(credentials, fake.url, 2000),
      botUserId: fake.botUserId,
      state,
      receiver: new InboundReceiver(sink, { platform: 'x', log }),
      log,
      intervalMs: 10,
      pageSize,
      startedAt: Date.now(),
      onEventsRead: () => {},
      onAuthError: () => {},
    });
    return { poller, state, events };
  }

  it('reads a backlog longer than one read window over several polls, in order, reading each page once', async () => {
    const { poller, state, events } = await startPoller(2);
    // 10 DMs arrived while Hearth was down: 5 pages of 2, and X allows 3 reads per window here.
    const backlog = Array.from({ length: 10 }, (_, i) =>
      fake.userSays(xUserId(`fixes-backlog-${i}`), `q ${i}`),
    );
    const signal = new AbortController().signal;
    const reads = () => fake.calls.filter((c) => c.path === '/2/dm_events').length;
    const readsBefore = reads();
    let windows = 0;
    while (events.length < backlog.length && windows < 5) {
      windows++;
      fake.setReadLimit(reads() + 3); // a new 15-minute window: 3 more reads
      await poller.pollOnce(signal).catch(() => {}); // a 429 ends this window's poll
    }
    fake.setReadLimit(100_000);
    expect(windows).toBe(2);
    expect(events.map((e) => e.id)).toEqual(backlog.map((e) => e.id));
    expect((await state.get<{ lastEventId: string }>(CURSOR_KEY))?.value.lastEventId).toBe(backlog[9]?.id);
    expect(reads() - readsBefore).toBe(6); // 5 pages and the refused read: no page read twice

    // What arrives meanwhile is read at the next poll, from the newest page down to the cursor.
    const later = fake.userSays(xUserId('fixes-backlog-later'), 'one more');
    await poller.pollOnce(signal);
    expect(events.map((e) => e.id).slice(10)).toEqual([later.id]);
  });

  it('does not answer a message of a GROUP conversation as a private DM to its sender', async () => {
    const { poller, events } = await startPoller(20);
    const member = xUserId('fixes-group-member');
    // GET /2/dm_events lists every conversation's events, group ones too (their id has no '-').
    fake.events.push({
      id: String(fakeSnowflakeAt(Date.now())),
      event_type: 'MessageCreate',
      text: 'lol see you all at 8',
      sender_id: member,
      dm_conversation_id: '1582838071209910273',
      created_at: new Date().toISOString(),
    });
    await sleep(2); // a later id
    const direct = fake.userSays(xUserId('fixes-direct'), 'and a 1:1 DM');
    await poller.pollOnce(new AbortController().signal);
    const ours = events.filter((e) => e.sender.userId === member || e.id === direct.id);
    expect(ours.map((e) => e.id)).toEqual([direct.id]);
  });
});
