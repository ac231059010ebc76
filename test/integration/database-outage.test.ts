import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../adapters/telegram/index.ts';
import { openDatabase } from '../../src/db/database.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';
import { createPostgresDatabase, type ThrowawayPostgres } from '../support/postgres.ts';
import { BOT_TOKEN, BOT_USERNAME, privateText } from '../telegram/updates.ts';

const SERVER = process.env.TEST_DATABASE_URL;

/** Runs statements on the server's admin connection. */
async function admin(...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * The database goes away under a running Hearth (every connection cut, new ones refused) while a
 * customer writes on Telegram: nothing crashes, the update is not confirmed to Telegram while it
 * cannot be recorded, and once the database is back it is answered, once. PostgreSQL only: the
 * embedded database lives in the process and cannot go away on its own.
 */
describe.runIf(SERVER)('a PostgreSQL outage while a customer writes on Telegram', () => {
  let server: ThrowawayPostgres;
  let fake: FakeTelegramApi;
  let app: TestHearth;
  const adapterLog = new CapturingLogger();

  beforeAll(async () => {
    server = await createPostgresDatabase(SERVER ?? '');
    const database = await openDatabase({ url: server.url, poolSize: 4 });
    fake = await FakeTelegramApi.start({ username: BOT_USERNAME });
    const adapter = new TelegramAdapter({
      token: BOT_TOKEN,
      apiRoot: fake.url,
      log: adapterLog,
    });
    app = await startTestHearth({
      database,
      adapters: [adapter],
      recordRetriesMs: [50, 100, 200],
      env: { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: fake.url },
    });
  });
  afterAll(async () => {
    const name = new URL(server.url).pathname.slice(1);
    await admin(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`).catch(() => {});
    await app?.stop();
    await fake?.close();
    await server?.drop();
  });

  it('holds the update until the database is back, then answers it once', async () => {
    const name = new URL(server.url).pathname.slice(1);
    await admin(
      `ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`,
    );
    const [id] = fake.pushUpdate(BOT_TOKEN, privateText(4101, '/subscribe news'));
    await fake.waitFor(
      () => app.log.find('warn', 'event not recorded').length > 0,
      10_000,
      'a failed attempt to record the update',
    );
    await new Promise((r) => setTimeout(r, 500)); // several more attempts fail meanwhile
    expect(fake.confirmedBelow()).toBeLessThanOrEqual(id ?? Number.NaN);
    expect(fake.sent(4101)).toHaveLength(0);

    await admin(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
    await fake.waitFor(
      () => fake.sent(4101).find((m) => m.text.includes("You're subscribed to news")),
      15_000,
      'the answer once the database is back',
    );
    await fake.waitFor(() => fake.confirmedBelow() > (id ?? Number.NaN), 5_000, 'the update confirmed');
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.sent(4101)).toHaveLength(1);
    const db = app.hearth.services.db;
    expect(await db.processedEvent.count({ where: { platform: 'telegram' } })).toBe(1);
  });
});
