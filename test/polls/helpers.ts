import { expect } from 'vitest';
import type { TranscriptEntry } from '../../adapters/console/transcript.ts';
import type { Database } from '../../src/db/database.ts';
import type { TestHearth } from '../support/hearth.ts';

/** What the console sent to a chat (bot → chat). */
export function sentTo(app: TestHearth, platform: string, chatId: string): TranscriptEntry[] {
  return app.hub.transcript.after(
    0,
    (e) => e.direction === 'out' && e.platform === platform && e.chatId === chatId,
  );
}

export async function say(app: TestHearth, body: Record<string, unknown>): Promise<string[]> {
  const res = await app.post('/console/api/messages', body);
  expect(res.status).toBe(200);
  return (res.body as { replies: { text: string }[] }).replies.map((r) => r.text);
}

export async function press(app: TestHearth, body: Record<string, unknown>): Promise<string[]> {
  const res = await app.post('/console/api/actions', { actionId: 'poll.vote', ...body });
  expect(res.status).toBe(200);
  return (res.body as { replies: { text: string }[] }).replies.map((r) => r.text);
}

export async function voteNative(app: TestHearth, body: Record<string, unknown>): Promise<string[]> {
  const res = await app.post('/console/api/votes', body);
  expect(res.status).toBe(200);
  return (res.body as { replies: { text: string }[] }).replies.map((r) => r.text);
}

/** An owner's command in the console's owner view (Slack #owners). */
export function owner(app: TestHearth, text: string): Promise<string[]> {
  return say(app, { platform: 'slack', userId: 'owner', name: 'Owner', chatId: '#owners', text });
}

/** The poll id behind the short id in the owner's confirmation. */
export async function pollIdFrom(database: Database, reply: string | undefined): Promise<string> {
  const short = /Poll `([0-9a-f]{8})`/.exec(reply ?? '')?.[1];
  expect(short, `no poll id in: ${reply}`).toBeDefined();
  const poll = await database.prisma.poll.findFirstOrThrow({ where: { id: { startsWith: short } } });
  return poll.id;
}

/** Votes per option index, straight from the table. */
export async function countsOf(database: Database, pollId: string, options: number): Promise<number[]> {
  const rows = await database.prisma.vote.groupBy({
    by: ['optionIdx'],
    where: { pollId },
    _count: { _all: true },
  });
  const counts = Array.from({ length: options }, () => 0);
  for (const row of rows) counts[row.optionIdx] = row._count._all;
  return counts;
}
