import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSubscribers } from '../../bench/broadcast-seed.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { IN_DOUBT } from '../../src/delivery/departures.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { createPostgresDatabase } from '../support/postgres.ts';
import { until } from '../support/until.ts';
import { ChildHearth } from './child-hearth.ts';

const TOKEN = '5151:kill-test';
const RECIPIENTS = 1200;
const OUTBOX_BATCH = 50;
const TEXT = 'Survives SIGKILL';

/** Where the child keeps its data: a PGlite folder, or a database on the test PostgreSQL server. */
interface Store {
  env: Record<string, string>;
  /** Whether the test may open the database while the child runs (PostgreSQL; a PGlite folder is locked). */
  shared: boolean;
  open(): Promise<Database>;
  dispose(): Promise<void>;
}

async function pgliteStore(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-kill-'));
  return {
    env: { HEARTH_DATA_DIR: dir },
    shared: false,
    open: () => openDatabase({ dataDir: dir }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresStore(serverUrl: string): Promise<Store> {
  const fresh = await createPostgresDatabase(serverUrl);
  return {
    env: { DATABASE_URL: fresh.url },
    shared: true,
    open: () => openDatabase({ url: fresh.url, poolSize: 2 }),
    dispose: fresh.drop,
  };
}

const STORES = [
  { name: 'pglite folder', make: pgliteStore },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: 'postgres', make: () => postgresStore(process.env.TEST_DATABASE_URL ?? '') }]
    : []),
];

describe.each(STORES)('a broadcast killed with SIGKILL and restarted ($name)', ({ make }) => {
  let store: Store;
  let fake: FakeTelegramApi;
  let child: ChildHearth | undefined;

  beforeAll(async () => {
    fake = await FakeTelegramApi.start();
    store = await make();
    const db = await store.open();
    await db.migrate();
    await seedSubscribers(db.prisma, {
      count: RECIPIENTS,
      topic: 'news',
      platforms: ['telegram'],
      chatIdBase: 9_000_000,
    });
    await db.close();
  });
  afterAll(async () => {
    await child?.kill();
    await fake?.close();
    await store?.dispose();
  });

  const start = () =>
    ChildHearth.start({
      ...store.env,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: fake.url,
      SEND_RATE_LIMITS: 'telegram=3000',
      OUTBOX_BATCH_SIZE: String(OUTBOX_BATCH),
      OUTBOX_POLL_MS: '20',
      BROADCAST_BATCH_SIZE: '20',
      OUTBOX_MAX_ATTEMPTS: '50',
      // Rows a killed process had claimed are due again after this lease.
      OUTBOX_LEASE_MS: '3000',
    });

  /** Sends the fake accepted per chat. */
  const perChat = () => {
    const counts = new Map<string, number>();
    for (const m of fake.sent()) if (m.text === TEXT) counts.set(m.chatId, (counts.get(m.chatId) ?? 0) + 1);
    return counts;
  };

  /**
   * Makes the fake refuse every send (429, retry after 30 s: each refused row goes back to the table
   * with the refusal recorded) and waits until it refused more than one outbox batch, the child has
   * stored the outcome of every send the fake accepted (its /health counts them), and no row is
   * being sent: no accepted send is left unrecorded when the process is then killed, and no refused
   * one in doubt (with PostgreSQL a row whose request had left when its process died is not sent
   * again; on the embedded database such a row would be sent again).
   */
  async function quiesce(): Promise<void> {
    const before = fake.stats().rateLimited;
    fake.setRateLimit({ perSecond: 0, retryAfterSeconds: 30 });
    await fake.waitFor(
      () => fake.stats().rateLimited > before + 2 * OUTBOX_BATCH,
      30_000,
      '429s after the gate',
    );
    await until(
      async () => (await child?.health())?.delivery.awaitingRecord === 0,
      'every accepted send recorded',
      30_000,
    );
    if (!store.shared) return;
    const db = await store.open();
    await until(
      async () =>
        (await db.prisma.outbox.count({ where: { status: 'sending', departedAt: { not: null } } })) === 0,
      'no request under way',
      30_000,
    ).finally(() => db.close());
  }

  /** Rows in doubt (see Departures) the platform does not have. */
  async function inDoubtMissing(db: Database): Promise<string[]> {
    const rows = await db.prisma.outbox.findMany({
      where: { lastError: IN_DOUBT },
      select: { chatId: true },
    });
    return rows.map((r) => r.chatId).filter((chat) => !perChat().has(chat));
  }

  /** The refused rows are due now (the test's stand-in for waiting out their 30 s). */
  async function dueNow(db: Database): Promise<void> {
    await db.prisma.outbox.updateMany({ where: { status: 'pending' }, data: { availableAt: new Date() } });
  }

  it('resumes the fan-out and the delivery; every recipient gets one message (but rows in doubt), none twice', async () => {
    // 1. Killed mid-fan-out, right after the owner's answer; the fake refuses every send meanwhile (429).
    fake.setRateLimit({ perSecond: 0, retryAfterSeconds: 1 });
    child = await start();
    // The owner's answer is not awaited: the kill comes at the first send attempt.
    void child
      .owner(`announce --now news ${TEXT}`)
      .catch((error: unknown) => console.log('announce failed', error));
    await fake
      .waitFor(() => fake.stats().rateLimited > 0, 30_000, 'first sends')
      .catch((e) => {
        console.log(child?.output.join(''), fake.stats());
        throw e;
      });
    await child.kill();
    let db = await store.open();
    const mid = await db.prisma.broadcast.findFirstOrThrow();
    expect(mid.status).toBe('enqueuing');
    expect(mid.cursor).not.toBeNull();
    expect(mid.total).toBeLessThan(RECIPIENTS);
    await db.close();

    // 2. Restarted: resumes enqueuing and sends; killed again with about a third delivered.
    fake.setRateLimit({ perSecond: 3000, retryAfterSeconds: 1 });
    child = await start();
    await fake.waitFor(() => perChat().size >= RECIPIENTS / 3, 60_000, 'a third delivered');
    await quiesce();
    await child.kill();
    db = await store.open();
    const sentBefore = await db.prisma.outbox.count({ where: { broadcastId: mid.id, status: 'sent' } });
    // What the platform got is exactly what is recorded as sent (and rows in doubt, if the kill came
    // in the moment a request was leaving: recorded as sent, whether the platform got them or not).
    const missing = await inDoubtMissing(db);
    const statuses = await db.prisma.outbox.groupBy({
      by: ['status', 'lastError'],
      where: { broadcastId: mid.id },
      _count: { _all: true },
    });
    expect(sentBefore, JSON.stringify({ got: perChat().size, missing, statuses })).toBe(
      perChat().size + missing.length,
    );
    expect(sentBefore).toBeLessThan(RECIPIENTS);
    await dueNow(db);
    await db.close();

    // 3. Restarted again: the rest goes out, nothing twice.
    fake.setRateLimit({ perSecond: 3000, retryAfterSeconds: 1 });
    child = await start();
    // Every recipient, but for rows in doubt the platform never got (a kill as their 429 came).
    const watch = store.shared ? await store.open() : undefined;
    await until(
      async () => perChat().size + (watch ? (await inDoubtMissing(watch)).length : 0) === RECIPIENTS,
      'every recipient',
      90_000,
    )
      .catch(async (error: unknown) => {
        const left = await watch?.prisma.outbox.groupBy({
          by: ['status', 'lastError'],
          where: { broadcastId: mid.id },
          _count: { _all: true },
        });
        throw new Error(`${String(error)}: ${perChat().size} got; ${JSON.stringify(left)}`);
      })
      .finally(() => watch?.close());
    await until(
      async () => {
        const [list] = await (child as ChildHearth).owner('schedules');
        return list && !list.includes('broadcast sending') && !list.includes('broadcast enqueuing');
      },
      'the broadcast to finish',
      30_000,
    );
    await child.stop();
    child = undefined;
    const counts = perChat();
    db = await store.open();
    expect(counts.size).toBe(RECIPIENTS - (await inDoubtMissing(db)).length);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    const final = await db.prisma.broadcast.findUniqueOrThrow({ where: { id: mid.id } });
    expect(final).toMatchObject({ status: 'done', total: RECIPIENTS });
    expect(await db.prisma.outbox.count({ where: { broadcastId: mid.id, status: 'sent' } })).toBe(RECIPIENTS);
    await db.close();
  }, 240_000);
});
