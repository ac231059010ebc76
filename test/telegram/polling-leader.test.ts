import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../adapters/telegram/index.ts';
import type { Database } from '../../src/db/database.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { CapturingLogger } from '../support/logger.ts';
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
