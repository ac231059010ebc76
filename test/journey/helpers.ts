import { afterAll, beforeAll, expect } from 'vitest';
import type { TranscriptEntry } from '../../adapters/console/transcript.ts';
import type { FeatureFactory } from '../../src/app/feature.ts';
import type { Platform } from '../../src/core/events.ts';
import type { Database } from '../../src/db/database.ts';
import { broadcastsFeature } from '../../src/features/broadcasts/index.ts';
import { channelsFeature } from '../../src/features/channels/index.ts';
import { fallbackFeature } from '../../src/features/fallback.ts';
import { journeyFeature } from '../../src/features/journey/index.ts';
import { metricsFeature } from '../../src/features/metrics/index.ts';
import { pollsFeature } from '../../src/features/polls/index.ts';
import { subscriptionsFeature } from '../../src/features/subscriptions/index.ts';
import { OWNER as SLACK_OWNER, OWNERS as SLACK_OWNERS } from '../discord/harness.ts';
import type { FakeSlackApi } from '../fakes/slack-api.ts';
import type { SlackRequestSigner } from '../fakes/slack-signer.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';

/** Every feature but support (its FAQ matcher is not under test here), in FEATURES order. */
export const JOURNEY_FEATURES: FeatureFactory[] = [
  journeyFeature,
  subscriptionsFeature,
  channelsFeature,
  pollsFeature,
  broadcastsFeature,
  metricsFeature,
  fallbackFeature,
];

/** A customer writes through the console's HTTP API; returns the replies joined by newlines. */
export async function say(
  app: TestHearth,
  platform: Platform,
  userId: string,
  text: string,
): Promise<string> {
  const res = await app.post('/console/api/messages', { platform, userId, name: userId, text });
  expect(res.status).toBe(200);
  return (res.body as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
}

/** A button press through the console's HTTP API (`chatId`: the owners' room for an owner's press). */
export async function press(
  app: TestHearth,
  platform: Platform,
  userId: string,
  actionId: string,
  value: string,
  chatId?: string,
): Promise<string> {
  const res = await app.post('/console/api/actions', {
    platform,
    userId,
    name: userId,
    actionId,
    value,
    ...(chatId ? { chatId } : {}),
  });
  expect(res.status).toBe(200);
  return (res.body as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
}

/** An owner's `/hearth ...` in the console's owner view (Slack #owners). */
export async function owner(app: TestHearth, command: string): Promise<string> {
  const res = await app.post('/console/api/messages', {
    platform: 'slack',
    userId: 'U-owner',
    name: 'Owner',
    chatId: '#owners',
    text: `/hearth ${command}`,
  });
  expect(res.status).toBe(200);
  return (res.body as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
}

/** What the console delivered to one chat (bot → chat). */
export function sentTo(app: TestHearth, platform: Platform, chatId: string): TranscriptEntry[] {
  return app.hub.transcript.after(
    0,
    (e) => e.direction === 'out' && e.platform === platform && e.chatId === chatId,
  );
}

export async function memberIdOf(app: TestHearth, platform: Platform, userId: string): Promise<string> {
  const identity = await app.hearth.services.db.identity.findUniqueOrThrow({
    where: { platform_platformUserId: { platform, platformUserId: userId } },
  });
  return identity.memberId;
}

export async function stageOf(
  app: TestHearth,
  platform: Platform,
  userId: string,
): Promise<string | undefined> {
  const memberId = await memberIdOf(app, platform, userId);
  const row = await app.hearth.services.db.memberJourney.findUnique({ where: { memberId } });
  return row?.stage;
}

/** The owners' Slack of a harness with the real Slack adapter (test/discord and test/x: the same channel and owner). */
export interface SlackOwners {
  slack: FakeSlackApi;
  signer: SlackRequestSigner;
}

/**
 * An owner's `/hearth <command>` through the real Slack adapter against the fake Slack; returns the
 * first message posted in the owners' channel after it that contains `expected`.
 */
export async function slackOwner(t: SlackOwners, command: string, expected: string): Promise<string> {
  if (!t.slack.channelMembers.has(SLACK_OWNERS)) t.slack.channelMembers.set(SLACK_OWNERS, [SLACK_OWNER]);
  const before = t.slack.messages(SLACK_OWNERS).length;
  const res = await t.signer.slashCommand({ userId: SLACK_OWNER, channelId: SLACK_OWNERS, text: command });
  expect(res.status).toBe(200);
  const reply = await until(
    () =>
      t.slack
        .messages(SLACK_OWNERS)
        .slice(before)
        .find((m) => m.text.includes(expected)),
    `the owners' reply to "${command}" containing "${expected}" (got: ${JSON.stringify(
      t.slack
        .messages(SLACK_OWNERS)
        .slice(before)
        .map((m) => m.text),
    )})`,
    15_000,
  );
  return reply.text;
}

/** A journey Hearth on the console for one describe block: started before its tests, stopped after. */
export interface ConsoleJourney {
  readonly app: TestHearth;
  readonly database: Database;
}

/**
 * Starts (in `beforeAll`) a Hearth on a fresh database of `kind` with the journey's features, every
 * platform simulated by the console, and stops it after the block; `env` adds to `HEARTH_TOPICS=news`.
 */
export function consoleJourney(
  kind: { open(): Promise<Database> },
  options: { env?: Record<string, string>; now?: () => Date } = {},
): ConsoleJourney {
  let app: TestHearth | undefined;
  let database: Database | undefined;
  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({
      database,
      env: { HEARTH_TOPICS: 'news', ...options.env },
      features: JOURNEY_FEATURES,
      ...(options.now ? { now: options.now } : {}),
    });
  });
  afterAll(async () => app?.stop());
  return {
    get app() {
      if (!app) throw new Error('the journey Hearth has not started');
      return app;
    },
    get database() {
      if (!database) throw new Error('the journey Hearth has not started');
      return database;
    },
  };
}
