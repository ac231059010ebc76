import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../adapters/telegram/index.ts';
import { seedSubscribers } from '../../bench/broadcast-seed.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { IN_DOUBT } from '../../src/delivery/departures.ts';
import { ChildHearth } from '../broadcasts/child-hearth.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { POSTGRES_URL, TEST_DATABASES } from '../support/databases.ts';
import { CapturingLogger } from '../support/logger.ts';
import { createPostgresDatabase, type ThrowawayPostgres } from '../support/postgres.ts';
import { until } from '../support/until.ts';
import { BOT_TOKEN, privateText } from './updates.ts';

/**
 * Two instances on one database: Telegram answers a second long poller with 409, so exactly one
 * polls (the lease's holder); when it stops, the other takes over.
 */
describe.each(TEST_DATABASES)('telegram long polling in one instance of several ($name)', (kind) => {
  let database: Database;
  let fake: FakeTelegramApi;
  const received = { a: [] as string[], b: [] as string[] };
  let a: TelegramAdapter;
  let b: TelegramAdapter;

  const instance = async (name: 'a' | 'b') => {
    const adapter = new TelegramAdapter({ token: BOT_TOKEN, apiRoot: fake.url, log: new CapturingLogger() });
    const context = adapterContext(
      async (event, progress) => {
        progress?.recorded();
        received[name].push(event.kind === 'message' ? event.text : event.kind);
        return { handled: true, enqueued: 0 };
      },
      { db: database.prisma, platform: 'telegram', holder: `instance-${name}` },
    );
    await adapter.start(context);
    return adapter;
  };

  beforeAll(async () => {
    database = await kind.open();
    fake = await FakeTelegramApi.start();
    a = await instance('a');
    b = await instance('b');
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await fake?.close();
    await database?.close();
  });

  it('only the holder polls; the other takes over when it stops', async () => {
    for (let i = 0; i < 5; i++) fake.pushUpdate(BOT_TOKEN, privateText(5000 + i, `first ${i}`));
    await until(() => received.a.length + received.b.length === 5, 'the first updates');
    const [leader, other] = received.a.length > 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    expect(received[other]).toEqual([]);
    await (leader === 'a' ? a : b).stop();
    for (let i = 0; i < 3; i++) fake.pushUpdate(BOT_TOKEN, privateText(6000 + i, `second ${i}`));
    await until(() => received[other].length === 3, 'the other instance polling', 15_000);
    expect(received[leader]).toHaveLength(5);
    expect(fake.stats().conflicts).toBe(0); // never two pollers at once
  });
});

const TOKEN = '8282:instances';
const RATE = 50;
const RECIPIENTS = 240;
const RECIPIENT_BASE = 8_100_000;
const CUSTOMER_BASE = 7_100_000;
const TEXT = 'Two instances, one limit';

/**
 * bench:scale's invariants at a small scale: two Hearth processes on one PostgreSQL share one
 * platform limit and one poller; the poller is killed (SIGKILL) mid-broadcast, sends in flight, and
 * restarted; no subscriber gets the broadcast twice and none misses it (but for a row recorded in
 * doubt), no 429, every customer's question is answered once, and the other process takes the
 * polling over. (PGlite is one process only: PostgreSQL runs this.)
 */
if (POSTGRES_URL) {
  const serverUrl = POSTGRES_URL;
  describe('several instances on one PostgreSQL', { timeout: 240_000 }, () => {
    let server: ThrowawayPostgres;
    let fake: FakeTelegramApi;
    const instances: ChildHearth[] = [];

    beforeAll(async () => {
      server = await createPostgresDatabase(serverUrl);
      const database = await openDatabase({ url: server.url, poolSize: 2 });
      await database.migrate();
      await seedSubscribers(database.prisma, {
        count: RECIPIENTS,
        topic: 'news',
        platforms: ['telegram'],
        chatIdBase: RECIPIENT_BASE,
      });
      await database.close();
      fake = await FakeTelegramApi.start();
      // A tenth above Hearth's limit: the fake counts arrivals in this busy test process, whose own
      // stalls bunch them. Two instances each keeping the limit alone would send twice as fast.
      fake.setRateLimit({ perSecond: Math.ceil(RATE * 1.1), retryAfterSeconds: 1 });
    }, 120_000);
    afterAll(async () => {
      await Promise.all(instances.map((child) => child.kill()));
      await fake?.close();
      await server?.drop();
    });

    const start = () =>
      ChildHearth.start({
        DATABASE_URL: server.url,
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: fake.url,
        SEND_RATE_LIMITS: `telegram=${RATE}`,
        LEADER_LEASE_MS: '3000',
        OUTBOX_LEASE_MS: '3000',
      });
    const leaderOf = async () => {
      for (const [i, child] of instances.entries()) {
        if ((await child.health())?.roles.includes('telegram:polling')) return i;
      }
      return -1;
    };
    const perChat = () => {
      const counts = new Map<string, number>();
      for (const m of fake.sent()) counts.set(m.chatId, (counts.get(m.chatId) ?? 0) + 1);
      return counts;
    };
    const broadcastTo = () => fake.sent().filter((m) => m.text === TEXT).length;

    it('share one limit and one poller; a killed poller is replaced; nothing lost or sent twice', async () => {
      instances.push(await start(), await start());
      const { index: first } = await until(async () => {
        const index = await leaderOf();
        return index >= 0 ? { index } : undefined;
      }, 'a poller');
      await instances[0]?.owner(`announce --now news ${TEXT}`);
      let asked = 0;
      const ask = () => fake.pushUpdate(TOKEN, privateText(CUSTOMER_BASE + asked++, '/help'));
      for (let i = 0; i < 5; i++) ask();
      await until(() => broadcastTo() >= RECIPIENTS / 3, 'a third delivered', 60_000);
      // Killed mid-broadcast, sends in flight: a row whose request had left is in doubt (Telegram
      // has no idempotency key) and not sent again; every other row is, by the survivor.
      const killedAt = Date.now();
      await instances[first]?.kill();
      for (let i = 0; i < 5; i++) ask();
      const survivor = instances[1 - first] as ChildHearth;
      await until(
        async () => (await survivor.health())?.roles.includes('telegram:polling'),
        'takeover',
        30_000,
      );
      expect(Date.now() - killedAt).toBeLessThan(30_000);
      instances[first] = await start();
      for (let i = 0; i < 5; i++) ask();
      await until(() => broadcastTo() >= RECIPIENTS, 'every subscriber', 120_000).catch(() => {});
      await until(
        () =>
          Array.from({ length: asked }, (_, i) => fake.sent(CUSTOMER_BASE + i).length).every((n) => n >= 1),
        'every customer answered',
        60_000,
      ).catch(() => {}); // one in doubt would never be: the assertions below tell
      await new Promise((r) => setTimeout(r, 4_000)); // a row sent twice would show by now
      const counts = perChat();
      const database = await openDatabase({ url: server.url, poolSize: 1 });
      const inDoubt = new Set(
        (
          await database.prisma.outbox.findMany({ where: { lastError: IN_DOUBT }, select: { chatId: true } })
        ).map((r) => r.chatId),
      );
      await database.close();
      // Nothing twice; nothing missing but a row in doubt (whose process died with its request
      // between recording the departure and the request leaving: a moment, so almost never).
      const chats = [
        ...Array.from({ length: RECIPIENTS }, (_, i) => String(RECIPIENT_BASE + i)),
        ...Array.from({ length: asked }, (_, i) => String(CUSTOMER_BASE + i)),
      ];
      expect(chats.filter((chat) => (counts.get(chat) ?? 0) > 1)).toEqual([]);
      expect(chats.filter((chat) => !counts.has(chat) && !inDoubt.has(chat))).toEqual([]);
      expect(fake.stats().rateLimited).toBe(0);
      expect(fake.stats().conflicts).toBe(0);
    });
  });
}
