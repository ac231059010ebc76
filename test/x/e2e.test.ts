import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { FakeXApi } from '../fakes/x-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { startXHearth, X_FAST_SENDS, X_OWNERS, type XHearth, xUserId } from './harness.ts';

const WAIT_MS = 60_000; // generous: a loaded 2-core machine
const FAST_SENDS = { ...X_FAST_SENDS, X_POLL_PAGE_SIZE: '5' };

/** The database stays open when a Hearth on it stops (a restart on the same data). */
function keptOpen(database: Database): Database {
  return new Proxy(database, {
    get: (target, property) =>
      property === 'close' ? async () => {} : Reflect.get(target, property, target),
  });
}

async function subscriptionsOf(t: XHearth, userId: string): Promise<string[]> {
  const db = t.app.hearth.services.db;
  const identity = await db.identity.findUnique({
    where: { platform_platformUserId: { platform: 'x', platformUserId: userId } },
  });
  if (!identity) return [];
  const rows = await db.subscription.findMany({ where: { memberId: identity.memberId } });
  return rows.map((s) => s.topic);
}

const posts = (fake: FakeXApi, userId: string) =>
  fake.calls.filter((c) => c.method === 'POST' && c.path.includes(`/with/${userId}/messages`));

describe.each(TEST_DATABASES)('X end to end, polling ($name)', (kind) => {
  let database: Database;
  let fake: FakeXApi;
  let t: XHearth;
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const history = xUserId('history');

  beforeAll(async () => {
    database = await kind.open();
    fake = await FakeXApi.start();
    fake.userSays(history, 'When are you open?'); // 30 days of history X still lists
    await new Promise((r) => setTimeout(r, 5));
    t = await startXHearth(keptOpen(database), { fake, now, env: FAST_SENDS });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
    await database?.close();
  });

  it('answers a DM question from the FAQ, and not the history from before the first start', async () => {
    const ann = xUserId('ann');
    fake.userSays(ann, 'When are you open?');
    const reply = await t.replyTo(ann, "We're open Monday");
    expect(reply.text).not.toContain('<');
    expect(fake.sent(history)).toEqual([]);
    const cursor = await database.prisma.adapterState.findFirst({ where: { platform: 'x' } });
    expect(cursor).toBeTruthy();
  });

  it('/subscribe news and STOP by DM', async () => {
    const bo = xUserId('bo');
    fake.userSays(bo, '/subscribe news');
    await t.replyTo(bo, "You're subscribed to news");
    expect(await subscriptionsOf(t, bo)).toEqual(['news']);
    fake.userSays(bo, 'STOP');
    await t.replyTo(bo, "You're unsubscribed from everything");
    expect(await subscriptionsOf(t, bo)).toEqual([]);
  });

  it('hands a question it cannot answer to the owners in Slack and relays their reply as a DM', async () => {
    const cy = xUserId('cy');
    fake.userSays(cy, 'Could you engrave a name on the mug I bought?');
    const root = await until(
      () => t.slack.messages(X_OWNERS).find((m) => m.text.includes('engrave a name')),
      'the handoff in Slack',
      WAIT_MS,
    );
    expect(root.text).toContain(' on x');
    await until(
      async () =>
        (await database.prisma.handoff.findFirst({ where: { ownerThreadId: root.ts } })) ?? undefined,
      'the handoff thread stored',
      WAIT_MS,
    );
    const reply = await t.signer.message({
      userId: 'UOWNER1',
      channelId: X_OWNERS,
      threadTs: root.ts,
      text: 'Yes, bring it in and we engrave it for free.',
    });
    expect(reply.status).toBe(200);
    const relayed = await t.replyTo(cy, 'we engrave it for free');
    expect(relayed.text).toBe('💬 Yes, bring it in and we engrave it for free.');
  });

  it("never answers the business's own DMs (its sends and what it types in the X app)", async () => {
    const di = xUserId('di');
    fake.botSays(di, '/help');
    fake.userSays(di, '/topics');
    await t.replyTo(di, 'Topics:');
    await new Promise((r) => setTimeout(r, 300));
    // The own '/help' and the bot's own reply are in the timeline: neither is answered.
    expect(fake.sent(di).map((m) => m.text.slice(0, 7))).toEqual(['/help', 'Topics:']);
  });

  it('reads a burst larger than one page across pages, each DM answered once', async () => {
    const crowd = Array.from({ length: 12 }, (_, i) => xUserId(`burst-${i}`));
    const pagedBefore = fake.calls.filter((c) => c.query.pagination_token).length;
    for (const user of crowd) fake.userSays(user, '/topics');
    for (const user of crowd) await t.replyTo(user, 'Topics:');
    await new Promise((r) => setTimeout(r, 300));
    for (const user of crowd) expect(fake.sent(user)).toHaveLength(1);
    expect(fake.calls.filter((c) => c.query.pagination_token).length).toBeGreaterThan(pagedBefore);
  });

  it('a 429 → nothing sent before X’s reset, then exactly once', async () => {
    const ed = xUserId('ed');
    fake.failNext({ kind: 'rate-limited', retryAfterSeconds: 2 }, { method: 'POST', path: `/with/${ed}/` });
    fake.userSays(ed, '/help');
    const refused = await fake.waitFor(
      () => posts(fake, ed).find((c) => c.status === 429),
      WAIT_MS,
      'the 429',
    );
    await t.replyTo(ed, '/subscribe');
    await new Promise((r) => setTimeout(r, 200));
    const [, resent] = posts(fake, ed);
    expect(posts(fake, ed)).toHaveLength(2);
    // X said: reset = the refusal's second + 2 s; the resend came after it.
    expect(resent?.at ?? 0).toBeGreaterThanOrEqual(Math.floor(refused.at / 1000) * 1000 + 2000);
    expect(fake.sent(ed)).toHaveLength(1);
  });

  it('a send X accepted but whose answer was lost is not sent twice (the conversation is read first)', async () => {
    const flo = xUserId('flo');
    fake.failNext({ kind: 'accepted-no-answer' }, { method: 'POST', path: `/with/${flo}/` });
    fake.userSays(flo, '/topics');
    await fake.waitFor(() => posts(fake, flo).length === 1, WAIT_MS, 'the cut send');
    offsetMs += 10_000; // past the retry's backoff
    const row = await until(
      () => database.prisma.outbox.findFirst({ where: { platform: 'x', chatId: flo, status: 'sent' } }),
      'the row marked sent after reconciling',
      WAIT_MS,
    );
    expect(row.platformMessageId).toBe(fake.sent(flo)[0]?.id);
    expect(posts(fake, flo)).toHaveLength(1);
    expect(fake.sent(flo)).toHaveLength(1);
    expect(
      fake.calls.some((c) => c.method === 'GET' && c.path === `/2/dm_conversations/with/${flo}/dm_events`),
    ).toBe(true);
  });

  it('a 403 for the recipient unsubscribes them with a ledger entry', async () => {
    const gus = xUserId('gus');
    fake.userSays(gus, '/subscribe news');
    await t.replyTo(gus, "You're subscribed to news");
    fake.failNext({ kind: 'recipient-forbidden' }, { method: 'POST', path: `/with/${gus}/` });
    fake.userSays(gus, '/topics');
    const entry = await until(
      () =>
        database.prisma.consentEvent.findFirst({
          where: { action: 'unsubscribe', source: 'platform', topic: 'news' },
        }),
      'the unsubscribe ledger entry',
      WAIT_MS,
    );
    expect(entry.reason).toContain('cannot receive DMs');
    expect(await subscriptionsOf(t, gus)).toEqual([]);
  });

  it('a 401 tells the owners in Slack', async () => {
    const hal = xUserId('hal');
    fake.failNext({ kind: 'unauthorized' }, { method: 'POST', path: `/with/${hal}/` });
    fake.userSays(hal, '/topics');
    const note = await until(
      () => t.slack.messages(X_OWNERS).find((m) => m.text.includes('X refused')),
      'the note to the owners',
      WAIT_MS,
    );
    expect(note.text).toContain('X_ACCESS_TOKEN');
    offsetMs += 10_000;
    await t.replyTo(hal, 'Topics:');
  });

  it('a restart resumes from the stored cursor: what came meanwhile is answered, nothing twice', async () => {
    const ivy = xUserId('ivy');
    fake.userSays(ivy, '/topics');
    await t.replyTo(ivy, 'Topics:');
    const sentBefore = fake.events.filter((e) => e.sender_id === fake.botUserId).length;
    await t.stop();
    fake.userSays(ivy, 'When are you open?');
    t = await startXHearth(keptOpen(database), { fake, now, env: FAST_SENDS });
    await t.replyTo(ivy, "We're open Monday");
    await new Promise((r) => setTimeout(r, 500));
    const sentAfter = fake.events.filter((e) => e.sender_id === fake.botUserId).length;
    expect(sentAfter - sentBefore).toBe(1);
    expect(fake.sent(ivy).filter((m) => m.text.startsWith('Topics:'))).toHaveLength(1);
  });
});

describe('X without DM permission', () => {
  it('stops the X adapter at start with one clear line on what to change', async () => {
    const kindOf = TEST_DATABASES[0];
    if (!kindOf) throw new Error('no database');
    const fake = await FakeXApi.start();
    fake.setAccessLevel('read-write');
    const t = await startXHearth(await kindOf.open(), { fake });
    try {
      const x = (await t.app.hearth.health()).adapters.find((s) => s.platform === 'x');
      expect(x?.started).toBe(false);
      expect(x?.error).toContain('"Read, write, and Direct Messages"');
      expect(t.app.log.find('error', 'x adapter failed to start')).toHaveLength(1);
      expect(fake.calls.filter((c) => c.path === '/2/dm_events')).toEqual([]);
    } finally {
      await t.stop();
      await fake.close();
    }
  });
});
