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

/** The Telegram side of a Hearth: the fake Bot API and the real adapter made from settings against it. */
export type TelegramSide = Omit<TelegramHearth, 'app' | 'stop'> & {
  /** The settings the adapter was made from (a Hearth under test takes them too). */
  env: Record<string, string>;
  close(): Promise<void>;
};

export async function telegramSide(extraEnv: Record<string, string> = {}): Promise<TelegramSide> {
  const fake = await FakeTelegramApi.start({ username: BOT_USERNAME });
  const env = { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: fake.url, ...extraEnv };
  const adapterLog = new CapturingLogger();
  const adapter = (await telegram.create(env, adapterLog)) as TelegramAdapter | null;
  if (!adapter) throw new Error('the telegram adapter was not created');
  return {
    fake,
    adapter,
    adapterLog,
    env,
    replyIn: (chatId, text) =>
      fake.waitFor(
        () => fake.sent(chatId).find((m) => m.text.includes(text)),
        15_000,
        `a reply containing "${text}" in ${chatId}`,
      ),
    close: () => fake.close(),
  };
}

export async function startTelegramHearth(
  database: Database,
  options: { env?: Record<string, string>; now?: () => Date; features?: FeatureFactory[] } = {},
): Promise<TelegramHearth> {
  const side = await telegramSide(options.env);
  const app = await startTestHearth({
    database,
    adapters: [side.adapter],
    env: side.env,
    ...(options.now ? { now: options.now } : {}),
    ...(options.features ? { features: options.features } : {}),
  });
  return {
    ...side,
    app,
    async stop() {
      await app.stop();
      await side.close();
    },
  };
}
