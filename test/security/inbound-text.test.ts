import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUT_MARK, cleanEvent, cleanId, cleanText, INBOUND_LIMITS } from '../../src/core/clean-text.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { startTelegramHearth, type TelegramHearth } from '../telegram/harness.ts';
import { BOT_TOKEN, privateText, user } from '../telegram/updates.ts';

const SORRY = /something went wrong/i;
const HANDED_OFF = /passed it to the team/;

describe('cleaning inbound text', () => {
  it('drops NUL, repairs lone surrogates, keeps pairs, and leaves ordinary text alone', () => {
    expect(cleanText('a\u0000b')).toBe('ab');
    expect(cleanText('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(cleanText('🔥 週 & <b>')).toBe('🔥 週 & <b>');
    expect(cleanText(undefined)).toBe('');
    expect(cleanText(42)).toBe('');
  });

  it('cuts over-long text with a visible mark, never inside a surrogate pair', () => {
    const long = cleanText('🔥'.repeat(20_000));
    expect(long.length).toBeLessThanOrEqual(INBOUND_LIMITS.text);
    expect(long.endsWith(CUT_MARK)).toBe(true);
    expect(cleanText(long.slice(0, -CUT_MARK.length))).toBe(long.slice(0, -CUT_MARK.length));
  });

  it('keeps ids distinct: NUL replaced, long ids cut with a hash of the whole', () => {
    expect(cleanId('a\u0000b')).not.toBe(cleanId('ab'));
    const a = cleanId(`${'x'.repeat(1000)}a`);
    const b = cleanId(`${'x'.repeat(1000)}b`);
    expect(a.length).toBeLessThanOrEqual(INBOUND_LIMITS.id);
    expect(a).not.toBe(b);
    expect(cleanId('telegram:42')).toBe('telegram:42');
  });

  it('cleans every text and id of an event and keeps its shape', () => {
    const event: InboundEvent = {
      kind: 'command',
      id: 'e\u0000',
      at: new Date(0),
      address: { platform: 'console', chatId: 'c\u0000', threadId: 't' },
      sender: { userId: 'u', name: 'N\u0000a', username: '\u0000', isBot: false, isChatAdmin: true },
      isDirect: true,
      chat: { kind: 'group', title: 'T\u0000' },
      name: 'hearth',
      args: 'x\u0000y',
      text: '/hearth x\u0000y',
    };
    expect(cleanEvent(event)).toEqual({
      ...event,
      id: 'e\uFFFD',
      address: { platform: 'console', chatId: 'c\uFFFD', threadId: 't' },
      sender: { userId: 'u', name: 'Na', isBot: false, isChatAdmin: true },
      chat: { kind: 'group', title: 'T' },
      args: 'xy',
      text: '/hearth xy',
    });
  });
});

describe.each(TEST_DATABASES)('text PostgreSQL cannot store, from every platform ($name)', (kind) => {
  let database: Database;
  let telegram: TelegramHearth;

  beforeAll(async () => {
    database = await kind.open();
    telegram = await startTelegramHearth(database);
  });
  afterAll(async () => {
    await telegram?.stop();
  });

  const ask = (body: Record<string, unknown>) =>
    telegram.app.post('/console/api/messages', { platform: 'x', ...body });
  const repliesOf = (response: { body: unknown }) =>
    ((response.body as { replies?: { text: string }[] }).replies ?? []).map((r) => r.text).join('\n');

  it('a handed-off question and a display name with NUL bytes (console): handed off and stored, no error', async () => {
    const response = await ask({
      userId: 'nul-1',
      name: 'Zo\u0000ë',
      text: 'Do you rent kayaks\u0000 for the lake \uD800trip?',
    });
    expect(response.status).toBe(200);
    expect(repliesOf(response)).not.toMatch(SORRY);
    expect(repliesOf(response)).toMatch(HANDED_OFF);
    const handoff = await database.prisma.handoff.findFirst({ where: { chatId: 'nul-1' } });
    expect(handoff?.question).toBe('Do you rent kayaks for the lake \uFFFDtrip?');
    const identity = await database.prisma.identity.findFirst({ where: { platformUserId: 'nul-1' } });
    expect(identity?.displayName).toBe('Zoë');
  });

  it('the same through the real Telegram adapter', async () => {
    const update = privateText(7_700_001, 'Is the \u0000ferry to the island running today?');
    (update.message as Record<string, unknown>).from = user(7_700_001, 'Nu\u0000ll');
    telegram.fake.pushUpdate(BOT_TOKEN, update);
    const reply = await telegram.replyIn(7_700_001, 'team');
    expect(reply.text).not.toMatch(SORRY);
    const handoff = await until(
      async () => (await database.prisma.handoff.findFirst({ where: { chatId: '7700001' } })) ?? undefined,
      'the handoff',
    );
    expect(handoff.question).toBe('Is the ferry to the island running today?');
    const identity = await database.prisma.identity.findFirst({ where: { platformUserId: '7700001' } });
    expect(identity?.displayName).toBe('Null');
  });

  it('over-long text and names are cut with a mark, never a 500', async () => {
    const response = await ask({
      userId: 'long-1',
      name: 'N'.repeat(10_000),
      text: `Could you ${'really '.repeat(100_000)}help?`,
    });
    expect(response.status).toBe(200);
    expect(repliesOf(response)).not.toMatch(SORRY);
    const identity = await database.prisma.identity.findFirst({ where: { platformUserId: 'long-1' } });
    expect(identity?.displayName?.length).toBe(INBOUND_LIMITS.name);
    expect(identity?.displayName?.endsWith(CUT_MARK)).toBe(true);
    const command = await ask({ userId: 'long-2', text: `/subscribe ${'x'.repeat(200_000)}` });
    expect(command.status).toBe(200);
    expect(repliesOf(command)).not.toMatch(SORRY);
  });
});
