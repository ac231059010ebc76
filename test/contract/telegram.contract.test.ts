import { TelegramAdapter } from '../../adapters/telegram/index.ts';
import type { FakeFailure } from '../fakes/telegram-api.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { CapturingLogger } from '../support/logger.ts';
import { BOT_TOKEN, privateText, telegramUserId } from '../telegram/updates.ts';
import { adapterContract } from './adapter-contract.ts';

/** The real telegraf against the fake Bot API, receiving by long polling. */
adapterContract(
  'telegram',
  async () => {
    const fake = await FakeTelegramApi.start();
    const create = () =>
      new TelegramAdapter({ token: BOT_TOKEN, apiRoot: fake.url, log: new CapturingLogger() });
    const adapter = create();
    const failures: Record<string, (f: { retryAfterSeconds?: number }) => FakeFailure> = {
      'rate-limited': (f) => ({ kind: 'rate-limited', retryAfterSeconds: f.retryAfterSeconds ?? 1 }),
      'recipient-gone': () => ({ kind: 'blocked' }),
      'server-error': () => ({ kind: 'server-error' }),
    };
    return {
      adapter,
      directChat: (userId) => ({ platform: 'telegram', chatId: String(telegramUserId(userId)) }),
      platformUserId: (userId) => String(telegramUserId(userId)),
      createAdapter: create,
      async userSays(userId, text) {
        fake.pushUpdate(BOT_TOKEN, privateText(telegramUserId(userId), text));
      },
      async delivered(address) {
        return fake.sent(address.chatId).map((m) => ({
          text: m.text,
          ...(m.keyboard ? { buttonLabels: m.keyboard.flat().map((b) => b.text) } : {}),
        }));
      },
      failNextSend(failure) {
        const make = failures[failure.kind];
        if (make) fake.failNext(make(failure as { retryAfterSeconds?: number }));
      },
      close: () => fake.close(),
    };
  },
  { failures: true, pulls: true },
);
