import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../adapters/telegram/index.ts';
import { seedSubscribers } from '../../bench/broadcast-seed.ts';
import type { Database } from '../../src/db/database.ts';
import { createBroadcastsFeature } from '../../src/features/broadcasts/index.ts';
import { fallbackFeature } from '../../src/features/fallback.ts';
import { subscriptionsFeature } from '../../src/features/subscriptions/index.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';
import { until } from '../support/until.ts';
import { owner, shortIdIn } from './helpers.ts';

const TOKEN = '4242:storm-test';
const RECIPIENTS = 150;
const chatIdOf = (i: number) => String(7_000_000 + i);

describe.each(TEST_DATABASES)(
  'a broadcast through the real telegraf adapter in 429 storms and 5xx ($name)',
  (kind) => {
    let database: Database;
    let fake: FakeTelegramApi;
    let app: TestHearth;

    beforeAll(async () => {
      fake = await FakeTelegramApi.start();
      database = await kind.open();
      await seedSubscribers(database.prisma, {
        count: RECIPIENTS,
        topic: 'news',
        platforms: ['telegram'],
        chatIdBase: 7_000_000,
      });
      app = await startTestHearth({
        database,
        adapters: [new TelegramAdapter({ token: TOKEN, apiRoot: fake.url, log: new CapturingLogger() })],
        // Hearth's limiter is set four times above what the fake allows: a 429 storm.
        env: { SEND_RATE_LIMITS: 'telegram=400', OUTBOX_MAX_ATTEMPTS: '30' },
        features: [
          subscriptionsFeature,
          createBroadcastsFeature({ progressMs: 100, batchSize: 40 }),
          fallbackFeature,
        ],
      });
    });
    afterAll(async () => {
      await app?.stop();
      await fake?.close();
    });

    it('every recipient gets exactly one message; a blocked one is unsubscribed', async () => {
      fake.setRateLimit({ perSecond: 100, retryAfterSeconds: 1 });
      for (let i = 0; i < 15; i++) fake.failNext({ kind: 'server-error', status: 502 });
      for (let i = 0; i < 10; i++) fake.failNext({ kind: 'rate-limited', retryAfterSeconds: 1 });
      const blocked = chatIdOf(7);
      fake.setChatFailure(blocked, { kind: 'blocked' });

      const reply = await owner(app, 'announce --now news Storm-proof hello');
      const id = shortIdIn(reply);
      const broadcast = await until(
        () => database.prisma.broadcast.findFirst({ where: { id: { startsWith: id }, status: 'done' } }),
        'the broadcast to finish',
        180_000, // bounds a hang, not a speed: beside another file on 2 cores it took over 60 s
      );
      expect(broadcast.total).toBe(RECIPIENTS);
      const perChat = new Map<string, number>();
      for (const m of fake.sent())
        if (m.text === 'Storm-proof hello') perChat.set(m.chatId, (perChat.get(m.chatId) ?? 0) + 1);
      const expected = Array.from({ length: RECIPIENTS }, (_, i) => chatIdOf(i)).filter((c) => c !== blocked);
      expect([...perChat.keys()].sort()).toEqual(expected.sort());
      expect([...perChat.values()].every((n) => n === 1)).toBe(true);
      const stats = fake.stats();
      // At least the ten injected 429s; more when the limiter outpaces the fake (depends on machine speed).
      expect(stats.rateLimited).toBeGreaterThanOrEqual(10);
      expect(stats.failed).toBeGreaterThanOrEqual(25);
      // The blocked member: dead-lettered once, unsubscribed by the platform.
      const identity = await database.prisma.identity.findFirstOrThrow({ where: { dmChatId: blocked } });
      expect(identity.reachable).toBe(false);
      expect(await database.prisma.subscription.count({ where: { memberId: identity.memberId } })).toBe(0);
      const counts = await app.hearth.outbox.counts({ broadcastId: broadcast.id });
      expect(counts).toEqual({ sent: RECIPIENTS - 1, dead: 1 });
    }, 300_000);
  },
);
