import type { TelegramAdapter } from '../../adapters/telegram/index.ts';
import { telegram } from '../../adapters/telegram/module.ts';
import type { FeatureFactory } from '../../src/app/feature.ts';
import type { Database } from '../../src/db/database.ts';
import { FakeTelegramApi, type SentMessage } from '../fakes/telegram-api.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';
import { BOT_TOKEN, BOT_USERNAME } from './updates.ts';

/** A whole Hearth whose Telegram side is the real adapter (telegraf) talking to the fake Bot API. */
export interface TelegramHearth {
  app: TestHearth;
  fake: FakeTelegramApi;
  adapter: TelegramAdapter;
  /** The adapter's own log (webhook refusals, ignored updates). */
  adapterLog: CapturingLogger;
  /** Waits for a message in `chatId` whose text contains `text`. */
  replyIn(chatId: number | string, text: string): Promise<SentMessage>;
  stop(): Promise<void>;
}

export async function startTelegramHearth(
  database: Database,
  options: { env?: Record<string, string>; now?: () => Date; features?: FeatureFactory[] } = {},
): Promise<TelegramHearth> {
  const fake = await FakeTelegramApi.start({ username: BOT_USERNAME });
  const env = { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: fake.url, ...options.env };
  const adapterLog = new CapturingLogger();
  const adapter = (await telegram.create(env, adapterLog)) as TelegramAdapter | null;
  if (!adapter) throw new Error('the telegram adapter was not created');
  const app = await startTestHearth({
    database,
    adapters: [adapter],
    env,
    ...(options.now ? { now: options.now } : {}),
    ...(options.features ? { features: options.features } : {}),
  });
  return {
    app,
    fake,
    adapter,
    adapterLog,
    replyIn: (chatId, text) =>
      fake.waitFor(
        () => fake.sent(chatId).find((m) => m.text.includes(text)),
        15_000,
        `a reply containing "${text}" in ${chatId}`,
      ),
    async stop() {
      await app.stop();
      await fake.close();
    },
  };
}
