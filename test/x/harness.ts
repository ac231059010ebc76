import { SlackAdapter } from '../../adapters/slack/index.ts';
import type { XAdapter } from '../../adapters/x/index.ts';
import { x } from '../../adapters/x/module.ts';
import type { FeatureFactory } from '../../src/app/feature.ts';
import type { Database } from '../../src/db/database.ts';
import { FakeSlackApi, SlackRequestSigner } from '../fakes/slack-api.ts';
import { type FakeDmEvent, FakeXApi } from '../fakes/x-api.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { CapturingLogger } from '../support/logger.ts';

/** OAuth 1.0a credentials for tests (the fake accepts any). */
export const X_TEST_ENV = {
  X_APP_KEY: 'test-app-key',
  X_APP_SECRET: 'test-app-secret',
  X_ACCESS_TOKEN: 'test-access-token',
  X_ACCESS_SECRET: 'test-access-secret',
  X_POLL_INTERVAL_MS: '30',
  X_REQUEST_TIMEOUT_MS: '2000',
};

/**
 * Send windows far above X's (tests send many DMs in seconds). The core paces at the tightest
 * account rate, and X's 1,440 per day is one DM per minute.
 */
export const X_FAST_SENDS = {
  X_SEND_WINDOW_LIMIT: '1000',
  X_SEND_WINDOW_MS: '1000',
  X_SEND_DAILY_LIMIT: '1000000',
};

/** The owners' Slack channel in X tests. */
export const X_OWNERS = 'COWNERS';
/** An owner (a member of the owners' channel). */
export const X_OWNER = 'UOWNER1';
const SLACK_SECRET = 'x-test-slack-signing-secret';

const ids = new Map<string, string>();
/** A numeric X user id for a test's user name (X ids are big integers). */
export function xUserId(name: string): string {
  let id = ids.get(name);
  if (!id) {
    id = String(3_000_000_000_000_000_000n + BigInt(ids.size + 1));
    ids.set(name, id);
  }
  return id;
}

/** Creates the X adapter from settings, as Hearth does, against `fake`. */
export async function createXAdapter(
  fake: FakeXApi,
  env: Record<string, string> = {},
  log = new CapturingLogger(),
): Promise<XAdapter> {
  const adapter = (await x.create({ ...X_TEST_ENV, X_API_URL: fake.url, ...env }, log)) as XAdapter | null;
  if (!adapter) throw new Error('the X adapter was not created');
  return adapter;
}

/** A whole Hearth whose X side is the real adapter (twitter-api-v2) talking to the fake X API. */
export interface XHearth {
  app: TestHearth;
  fake: FakeXApi;
  /** The owners' Slack (a fake, with the real Slack adapter) and a signer to post as an owner. */
  slack: FakeSlackApi;
  signer: SlackRequestSigner;
  adapter: XAdapter;
  adapterLog: CapturingLogger;
  /** Waits for a DM to `userId` whose text contains `text`. */
  replyTo(userId: string, text: string, timeoutMs?: number): Promise<FakeDmEvent>;
  stop(): Promise<void>;
}

export async function startXHearth(
  database: Database,
  options: {
    env?: Record<string, string>;
    now?: () => Date;
    features?: FeatureFactory[];
    fake?: FakeXApi;
  } = {},
): Promise<XHearth> {
  const fake = options.fake ?? (await FakeXApi.start());
  const slack = await FakeSlackApi.start();
  slack.channelMembers.set(X_OWNERS, [X_OWNER]);
  const env = { ...X_TEST_ENV, X_API_URL: fake.url, SLACK_OWNERS_CHANNEL: X_OWNERS, ...options.env };
  const adapterLog = new CapturingLogger();
  const adapter = await createXAdapter(fake, env, adapterLog);
  const slackAdapter = new SlackAdapter({
    botToken: 'xoxb-test',
    signingSecret: SLACK_SECRET,
    apiUrl: slack.apiUrl,
    ownersChannel: X_OWNERS,
    log: new CapturingLogger(),
    capabilities: { rateLimits: [{ scope: 'account', limit: 200, windowMs: 1000 }] },
  });
  const app = await startTestHearth({
    database,
    adapters: [adapter, slackAdapter],
    env,
    ...(options.now ? { now: options.now } : {}),
    ...(options.features ? { features: options.features } : {}),
  });
  return {
    app,
    fake,
    slack,
    signer: new SlackRequestSigner(SLACK_SECRET, `${app.baseUrl}/slack/events`, slack),
    adapter,
    adapterLog,
    replyTo: (userId, text, timeoutMs = 15_000) =>
      fake.waitFor(
        () => fake.sent(userId).find((m) => m.text.includes(text)),
        timeoutMs,
        `a DM to ${userId} containing "${text}"`,
      ),
    async stop() {
      await app.stop();
      await slack.close();
      if (!options.fake) await fake.close();
    },
  };
}
