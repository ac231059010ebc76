import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { type ConsoleAnswer, consoleDriver, OWNERS } from './console-helpers.ts';

/** Issue 23 item 3: saving an answer as FAQ is an edit step; faq edit; forget reaches the FAQ. */
describe.each(TEST_DATABASES)('FAQ from handoffs, edited, and forgotten ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;
  const { ownerSays, press, waitForFeed, threadOf } = consoleDriver(
    () => app,
    () => database,
  );

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({ database });
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** Uma, by her name, asks on Telegram. */
  async function umaAsks(text: string): Promise<ConsoleAnswer> {
    const res = await app.post('/console/api/messages', {
      platform: 'telegram',
      userId: 'uma',
      name: 'Uma',
      text,
    });
    expect(res.status).toBe(200);
    return res.body as ConsoleAnswer;
  }

  const question = 'Do you deliver to the Potsdam lighthouse?';
  let handoffId = '';

  it('"Save answer as FAQ" opens an edit step without the greeting and name; nothing saved yet', async () => {
    const first = await umaAsks(question);
    const something = first.replies[0]?.buttons?.flat().find((b) => b.label.startsWith('Something else'));
    if (something) await press('telegram', 'uma', 'support:pick', something.value ?? '');
    const thread = await threadOf(question);
    handoffId = thread.handoffId;
    await ownerSays('Hi Uma! Yes, we deliver to Potsdam on Fridays.', thread.threadId);
    const entriesBefore = await database.prisma.faqEntry.count();
    await press('slack', 'owner-1', 'support:save-answer', handoffId, OWNERS);
    const draft = await waitForFeed(
      (e) => e.direction === 'out' && e.threadId === thread.threadId && e.text.includes('Edit before saving'),
    );
    expect(draft.text).toContain(`/hearth faq add ${question} | Yes, we deliver to Potsdam on Fridays.`);
    expect(draft.text).not.toContain('Uma');
    expect(await database.prisma.faqEntry.count()).toBe(entriesBefore);

    const saved = await ownerSays(`/hearth faq add ${question} | Yes, we deliver to Potsdam on Fridays.`);
    expect(saved.replies[0]?.text).toMatch(/Added FAQ/);
  });

  it('/hearth faq edit changes an entry’s question and answer', async () => {
    const entry = await database.prisma.faqEntry.findFirstOrThrow({ where: { question } });
    const edited = await ownerSays(
      `/hearth faq edit ${entry.id.slice(0, 8)} "Do you deliver?" "Yes, on Fridays."`,
    );
    expect(edited.replies[0]?.text).toMatch(/Edited FAQ/);
    expect(await database.prisma.faqEntry.findUniqueOrThrow({ where: { id: entry.id } })).toMatchObject({
      question: 'Do you deliver?',
      answer: 'Yes, on Fridays.',
    });
  });

  it('member forget removes the member’s words and name from the FAQ and their handoff records', async () => {
    const entry = await database.prisma.faqEntry.findFirstOrThrow({ where: { question: 'Do you deliver?' } });
    const linked = await ownerSays(`/hearth faq link ${handoffId.slice(0, 8)} ${entry.id.slice(0, 8)}`);
    expect(linked.replies[0]?.text).toMatch(/Added/);
    await ownerSays('/hearth faq add "Who tested the new lemon cake?" | Our customer Uma, who loved it!');
    expect(
      (await database.prisma.faqEntry.findUniqueOrThrow({ where: { id: entry.id } })).alternatives,
    ).toContain(question);

    const forgot = await press('slack', 'owner-1', 'hearth.member.forget', 'telegram:uma', OWNERS);
    expect(forgot.replies[0]?.text).toMatch(/Erased telegram:uma/);
    const after = await database.prisma.faqEntry.findMany();
    const texts = after.flatMap((e) => [e.question, e.answer, ...e.alternatives]).join('\n');
    expect(texts).not.toContain(question);
    expect(texts).not.toContain('Uma');
    expect(texts).toContain('Our customer who loved it!');
    expect(await database.prisma.handoff.count({ where: { id: handoffId } })).toBe(0);
    expect(await database.prisma.handoffMessage.count({ where: { handoffId } })).toBe(0);
  });
});
