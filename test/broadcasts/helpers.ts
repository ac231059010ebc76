import { expect } from 'vitest';
import type { TranscriptEntry } from '../../adapters/console/transcript.ts';
import type { InboundEvent, Platform } from '../../src/core/events.ts';
import type { BroadcastsFeature } from '../../src/features/broadcasts/index.ts';
import type { TestHearth } from '../support/hearth.ts';

/** A customer (or owner) writes through the console's HTTP API; returns the reply texts. */
export async function say(
  app: TestHearth,
  platform: Platform,
  userId: string,
  text: string,
  chatId?: string,
) {
  const res = await app.post('/console/api/messages', {
    platform,
    userId,
    name: userId,
    text,
    ...(chatId ? { chatId } : {}),
  });
  expect(res.status).toBe(200);
  return (res.body as { replies: { text: string }[] }).replies.map((r) => r.text);
}

/** An owner command from the console's owner view (Slack, #owners). */
export async function owner(app: TestHearth, command: string): Promise<string> {
  const replies = await say(app, 'slack', 'U-owner', `/hearth ${command}`, '#owners');
  expect(replies).toHaveLength(1);
  return replies[0] ?? '';
}

/** Dispatches a customer's message straight into the bot, without waiting for replies. */
export function dispatch(app: TestHearth, platform: Platform, userId: string, text: string, chatId = userId) {
  const command = /^\/(\w+)\s*(.*)$/.exec(text);
  const base = {
    id: `test-${Math.random().toString(36).slice(2)}`,
    at: new Date(),
    address: { platform, chatId },
    // As the console marks them: in the owners' room (Slack, #owners) the sender is an owner.
    sender: { userId, name: userId, isBot: false, isOwner: platform === 'slack' && chatId === '#owners' },
    isDirect: chatId === userId,
  };
  const event: InboundEvent = command
    ? { ...base, kind: 'command', name: command[1] ?? '', args: command[2] ?? '', text }
    : { ...base, kind: 'message', text };
  return app.hearth.bot.dispatch(event);
}

/** An owner command dispatched without waiting for its reply (the worker may be stopped); returns the newest broadcast id. */
export async function ownerNoWait(app: TestHearth, command: string): Promise<string> {
  await dispatch(app, 'slack', 'U-owner', `/hearth ${command}`, '#owners');
  await broadcastsOf(app).broadcasts.settled();
  const newest = await app.hearth.services.db.broadcast.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
  return newest.id;
}

export function broadcastsOf(app: TestHearth): BroadcastsFeature {
  const feature = app.hearth.features.find((f) => f.name === 'broadcasts');
  if (!feature) throw new Error('broadcasts feature not installed');
  return feature as BroadcastsFeature;
}

/** Messages the console delivered to one chat, containing `text`. */
export function received(
  app: TestHearth,
  platform: Platform,
  chatId: string,
  text: string,
): TranscriptEntry[] {
  return app.hub.transcript.after(
    0,
    (e) => e.direction === 'out' && e.platform === platform && e.chatId === chatId && e.text.includes(text),
  );
}

export function shortIdIn(text: string): string {
  const m = /\b([0-9a-f]{8})\b/.exec(text);
  if (!m?.[1]) throw new Error(`no id in "${text}"`);
  return m[1];
}
