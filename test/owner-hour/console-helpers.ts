import { expect } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import type { TestHearth } from '../support/hearth.ts';

export interface ConsoleButton {
  actionId: string;
  label: string;
  value?: string;
}
export interface ConsoleReply {
  text: string;
  messageId?: string;
  buttons?: ConsoleButton[][];
}
export interface ConsoleAnswer {
  replies: ConsoleReply[];
}
export interface FeedEntry {
  direction: 'in' | 'out';
  platform: string;
  chatId: string;
  threadId?: string;
  text: string;
  messageId?: string;
  buttons?: ConsoleButton[][];
}

export const OWNERS = '#owners';
const WAIT_MS = 20_000;

/** Talks to a test Hearth through its console API, as customers and as the owners. */
export function consoleDriver(app: () => TestHearth, database: () => Database) {
  async function ask(userId: string, text: string, platform = 'telegram'): Promise<ConsoleAnswer> {
    const res = await app().post('/console/api/messages', { platform, userId, name: `${userId}-name`, text });
    expect(res.status).toBe(200);
    return res.body as ConsoleAnswer;
  }

  async function ownerSays(text: string, threadId?: string): Promise<ConsoleAnswer> {
    const res = await app().post('/console/api/messages', {
      platform: 'slack',
      userId: 'owner-1',
      name: 'Olivia',
      chatId: OWNERS,
      ...(threadId ? { threadId } : {}),
      text,
    });
    expect(res.status).toBe(200);
    return res.body as ConsoleAnswer;
  }

  async function press(platform: string, userId: string, actionId: string, value: string, chatId?: string) {
    const res = await app().post('/console/api/actions', {
      platform,
      userId,
      ...(chatId ? { chatId } : {}),
      actionId,
      value,
    });
    expect(res.status).toBe(200);
    return res.body as ConsoleAnswer;
  }

  /** Waits until the console transcript has an entry matching `predicate`. */
  async function waitForFeed(predicate: (entry: FeedEntry) => boolean): Promise<FeedEntry> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = (app().hub.transcript.after(0) as FeedEntry[]).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('expected transcript entry never arrived');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The owners' thread of the handoff for `question`, once its id is stored on the handoff. */
  async function threadOf(question: string): Promise<{ threadId: string; handoffId: string }> {
    const root = await waitForFeed(
      (e) => e.direction === 'out' && e.chatId === OWNERS && !e.threadId && e.text.includes(question),
    );
    const threadId = root.messageId ?? '';
    const handoffId = root.buttons?.[0]?.[0]?.value ?? '';
    const deadline = Date.now() + WAIT_MS;
    while (
      (await database().prisma.handoff.findUnique({ where: { id: handoffId } }))?.ownerThreadId !== threadId
    ) {
      if (Date.now() > deadline) throw new Error('handoff thread id never stored');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return { threadId, handoffId };
  }

  /** Asks a question the example FAQ cannot answer; returns its handoff (asked back first if need be). */
  async function handOff(userId: string, question: string, platform = 'telegram') {
    const first = await ask(userId, question, platform);
    const something = first.replies[0]?.buttons?.flat().find((b) => b.label.startsWith('Something else'));
    if (something) await press(platform, userId, 'support:pick', something.value ?? '');
    return threadOf(question);
  }

  return { ask, ownerSays, press, waitForFeed, threadOf, handOff };
}
