import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';

interface Reply {
  text: string;
}
interface MessageAnswer {
  replies: Reply[];
  duplicate: boolean;
}

describe.each(TEST_DATABASES)('console → core → DB → outbox → worker → console ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({ database });
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function say(userId: string, text: string, extra: Record<string, unknown> = {}) {
    const res = await app.post('/console/api/messages', {
      platform: 'telegram',
      userId,
      name: userId,
      text,
      ...extra,
    });
    expect(res.status).toBe(200);
    return res.body as MessageAnswer;
  }

  it('answers /health with db ok and the started adapters', async () => {
    const res = await fetch(`${app.baseUrl}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { db: string; adapters: { platform: string; started: boolean }[] };
    expect(body.db).toBe('ok');
    expect(body.adapters.find((a) => a.platform === 'telegram')?.started).toBe(true);
  });

  it('/subscribe news confirms, records a consent row, and the reply went through the outbox', async () => {
    const answer = await say('alice', '/subscribe news');
    expect(answer.replies.map((r) => r.text)).toEqual([expect.stringContaining("You're subscribed to news")]);
    const consent = await database.prisma.consentEvent.findMany({ where: { topic: 'news' } });
    expect(consent).toHaveLength(1);
    expect(consent[0]).toMatchObject({ action: 'subscribe', platform: 'telegram', source: 'user' });
    // The console shows a reply as the worker sends it; the worker records the row as sent just after.
    const rows = () => database.prisma.outbox.findMany({ where: { platform: 'telegram', chatId: 'alice' } });
    await expect.poll(async () => (await rows()).map((r) => r.status), { timeout: 5000 }).toEqual(['sent']);
    const sent = await rows();
    expect(sent[0]?.sentAt).toBeInstanceOf(Date);
  });

  it('STOP unsubscribes from everything and appends an opt-out to the ledger', async () => {
    await say('bob', '/subscribe news');
    const answer = await say('bob', 'STOP');
    expect(answer.replies[0]?.text).toMatch(/unsubscribed from everything \(news\)/);
    const identity = await database.prisma.identity.findFirstOrThrow({ where: { platformUserId: 'bob' } });
    expect(await database.prisma.subscription.count({ where: { memberId: identity.memberId } })).toBe(0);
    const ledger = await database.prisma.consentEvent.findMany({
      where: { memberId: identity.memberId },
      orderBy: { id: 'asc' },
    });
    expect(ledger.map((e) => e.action)).toEqual(['subscribe', 'unsubscribe']);
  });

  it('a redelivered event (same id) is processed once', async () => {
    const first = await say('carol', '/subscribe news', { eventId: 'dup-1' });
    const second = await say('carol', '/subscribe news', { eventId: 'dup-1' });
    expect(first.replies).toHaveLength(1);
    expect(second).toMatchObject({ duplicate: true, replies: [] });
    expect(await database.prisma.outbox.count({ where: { chatId: 'carol' } })).toBe(1);
  });

  it('an unknown command gets a helpful answer, not silence', async () => {
    const answer = await say('dave', '/frobnicate');
    expect(answer.replies[0]?.text).toMatch(/don't know \/frobnicate|\/help/);
  });

  it('a malformed request gets a 400 naming the problem, and the server keeps serving', async () => {
    const bad = await app.post('/console/api/messages', { platform: 'myspace', userId: 'x', text: 'hi' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/platform/);
    const broken = await app.post('/console/api/messages', '{"platform": ');
    expect(broken.status).toBe(400);
    const ok = await say('erin', '/topics');
    expect(ok.replies[0]?.text).toMatch(/news/);
  });
});
