import type { DiscordAdapter } from '../../adapters/discord/index.ts';
import { discord } from '../../adapters/discord/module.ts';
import { SlackAdapter } from '../../adapters/slack/index.ts';
import type { FeatureFactory } from '../../src/app/feature.ts';
import type { PlatformAdapter } from '../../src/core/adapter.ts';
import type { Database } from '../../src/db/database.ts';
import { type DiscordMessage, FakeDiscordApi } from '../fakes/discord-api.ts';
import { FakeSlackApi, SlackRequestSigner } from '../fakes/slack-api.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';

export const DISCORD_TOKEN = 'fake.discord.e2e-token';
export const OWNERS = 'COWNERS';
export const OWNER = 'UOWNER1';
const SLACK_SECRET = 'discord-e2e-signing-secret';

/**
 * A whole Hearth whose Discord side is the real adapter (discord.js) against the fake Discord, with
 * the owners' room on Slack (the real Bolt adapter against the fake Slack) for handoffs and notes.
 */
export interface DiscordHearth {
  app: TestHearth;
  fake: FakeDiscordApi;
  adapter: DiscordAdapter;
  adapterLog: CapturingLogger;
  slack: FakeSlackApi;
  signer: SlackRequestSigner;
  /** Waits for a message in `channelId` whose shown text contains `text`. */
  replyIn(channelId: string, text: string): Promise<DiscordMessage>;
  stop(): Promise<void>;
}

/** The Discord side of a Hearth: the fake Discord (REST and gateway) and the real adapter against it. */
export type DiscordSide = Pick<DiscordHearth, 'fake' | 'adapter' | 'adapterLog' | 'replyIn'> & {
  /** The settings the adapter was made from (a Hearth under test takes them too). */
  env: Record<string, string>;
};

export async function discordSide(
  extraEnv: Record<string, string> = {},
  fake?: FakeDiscordApi,
): Promise<DiscordSide> {
  const api = fake ?? (await FakeDiscordApi.start());
  const env = { DISCORD_BOT_TOKEN: DISCORD_TOKEN, DISCORD_API_URL: api.apiUrl, ...extraEnv };
  const adapterLog = new CapturingLogger();
  const adapter = (await discord.create(env, adapterLog)) as DiscordAdapter | null;
  if (!adapter) throw new Error('the discord adapter was not created');
  return {
    fake: api,
    adapter,
    adapterLog,
    env,
    replyIn: (channelId, text) =>
      api.waitFor(
        () => api.sent(channelId).find((m) => m.shown.includes(text)),
        `a reply containing "${text}" in ${channelId}`,
      ),
  };
}

export async function startDiscordHearth(
  database: Database,
  options: {
    env?: Record<string, string>;
    now?: () => Date;
    fake?: FakeDiscordApi;
    features?: FeatureFactory[];
  } = {},
): Promise<DiscordHearth> {
  const { fake, adapter, adapterLog, env, replyIn } = await discordSide(options.env, options.fake);
  const slack = await FakeSlackApi.start();
  const slackAdapter: PlatformAdapter = new SlackAdapter({
    botToken: 'xoxb-test',
    signingSecret: SLACK_SECRET,
    apiUrl: slack.apiUrl,
    ownersChannel: OWNERS,
    log: new CapturingLogger(),
  });
  const app = await startTestHearth({
    database,
    adapters: [adapter, slackAdapter],
    // A long lease: on a loaded machine a late renewal must not move the gateway mid-test.
    env: { LEADER_LEASE_MS: '60000', ...env, SLACK_OWNERS_CHANNEL: OWNERS },
    ...(options.now ? { now: options.now } : {}),
    ...(options.features ? { features: options.features } : {}),
  });
  await fake.gateway.whenConnected();
  const signer = new SlackRequestSigner(SLACK_SECRET, `${app.baseUrl}/slack/events`, slack);
  return {
    app,
    fake,
    adapter,
    adapterLog,
    slack,
    signer,
    replyIn,
    async stop() {
      await app.stop();
      if (!options.fake) await fake.close(); // a fake passed in is the caller's to close
      await slack.close();
    },
  };
}
