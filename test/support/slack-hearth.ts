import { SlackAdapter } from '../../adapters/slack/index.ts';
import type { FeatureFactory } from '../../src/app/feature.ts';
import type { PlatformAdapter } from '../../src/core/adapter.ts';
import type { Database } from '../../src/db/database.ts';
import { FakeSlackApi, SlackRequestSigner } from '../fakes/slack-api.ts';
import { startTestHearth, type TestHearth } from './hearth.ts';
import { CapturingLogger } from './logger.ts';

export interface SlackHearthOptions {
  /** The owners' channel id (SLACK_OWNERS_CHANNEL). */
  owners: string;
  /** Signing secret shared by the adapter and the signer. */
  secret: string;
  /** Members of the owners' channel as the fake reports them (set before Hearth starts). */
  ownerMembers?: string[];
  /** The Slack adapter's logger (default a fresh CapturingLogger). */
  adapterLog?: CapturingLogger;
  env?: Record<string, string>;
  features?: FeatureFactory[];
  /** Customer-side adapters to run beside Slack (e.g. Telegram against its own fake). */
  adapters?: PlatformAdapter[];
}

/** Hearth with the real Slack adapter (HTTP mode) against a fake Slack, and a signer to post to it. */
export interface SlackHearth {
  app: TestHearth;
  fake: FakeSlackApi;
  signer: SlackRequestSigner;
  /** Stops Hearth, then the fake (the SDK first, as the fake requires). */
  stop(): Promise<void>;
}

/** Starts a fake Slack, then Hearth on `database` with a SlackAdapter pointed at it. */
export async function startSlackHearth(
  database: Database,
  options: SlackHearthOptions,
): Promise<SlackHearth> {
  const fake = await FakeSlackApi.start();
  if (options.ownerMembers) fake.channelMembers.set(options.owners, options.ownerMembers);
  const adapter = new SlackAdapter({
    botToken: 'xoxb-test',
    signingSecret: options.secret,
    apiUrl: fake.apiUrl,
    ownersChannel: options.owners,
    log: options.adapterLog ?? new CapturingLogger(),
    capabilities: {
      rateLimits: [
        { scope: 'account', limit: 200, windowMs: 1000 },
        { scope: 'chat', limit: 100, windowMs: 1000 },
      ],
    },
  });
  let app: TestHearth;
  try {
    app = await startTestHearth({
      database,
      adapters: [adapter, ...(options.adapters ?? [])],
      ...(options.features ? { features: options.features } : {}),
      env: { SLACK_OWNERS_CHANNEL: options.owners, ...options.env },
    });
  } catch (error) {
    await fake.close();
    throw error;
  }
  const signer = new SlackRequestSigner(options.secret, `${app.baseUrl}/slack/events`, fake);
  return {
    app,
    fake,
    signer,
    async stop() {
      await app.stop();
      await fake.close();
    },
  };
}
