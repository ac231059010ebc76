import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { consoleDriver } from './console-helpers.ts';

/** Issue 23 items 1, 4 and 5: owners' replies reach the right customer; customers keep getting answers. */
describe.each(TEST_DATABASES)('handoffs and re-subscribing through the console ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;
  const console_ = consoleDriver(
    () => app,
    () => database,
  );
  const { ask, ownerSays, press, waitForFeed, handOff } = console_;

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({ database });
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** Stops Hearth and starts it again on the same database (the console numbers its messages anew). */
  async function restart(): Promise<void> {
    const close = database.close.bind(database);
    database.close = async () => {};
    await app.stop();
    database.close = close;
    app = await startTestHearth({ database });
  }

  it('after a restart, a reply in the new thread goes to the new customer, never to an older one', async () => {
    const older = await handOff('uma', 'Can you bake a cake shaped like a lighthouse?');
    await restart();
    const newer = await handOff('vic', 'Do you rent out the back room for a birthday party?');
    expect(newer.threadId).not.toBe(older.threadId);
    const relayed = await ownerSays('Yes, the back room seats twelve.', newer.threadId);
    expect(relayed.replies.map((r) => r.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/Sent to the customer/)]),
    );
    await waitForFeed((e) => e.direction === 'out' && e.chatId === 'vic' && e.text.includes('seats twelve'));
    const toUma = app.hub.transcript.after(0).filter((e) => e.chatId === 'uma' && e.text.includes('twelve'));
    expect(toUma).toEqual([]);
  });

  it('a reply in a thread that matches no single open handoff says so and reaches nobody', async () => {
    const unknown = await ownerSays('Sure, see you then!', 'slack-no-such-thread');
    expect(unknown.replies.map((r) => r.text)).toEqual([expect.stringMatching(/not sent to any customer/)]);

    // Two handoffs claiming one thread (an id a platform reused): the bot does not guess.
    const first = await handOff('wes', 'Can I pay with a cheque from a Swiss bank?');
    const second = await handOff('xia', 'Could you write a poem on the icing?');
    await database.prisma.handoff.update({
      where: { id: second.handoffId },
      data: { ownerThreadId: first.threadId },
    });
    const ambiguous = await ownerSays('Yes we can.', first.threadId);
    expect(ambiguous.replies.map((r) => r.text)).toEqual([expect.stringMatching(/not sent to any customer/)]);
    const delivered = app.hub.transcript
      .after(0)
      .filter((e) => (e.chatId === 'wes' || e.chatId === 'xia') && e.text.includes('Yes we can'));
    expect(delivered).toEqual([]);
  });

  it('a new question the FAQ answers is answered while a handoff is open; a follow-up joins it', async () => {
    const { threadId } = await handOff('yan', 'Can you make a vegan wedding cake for 80 guests?');
    const answered = await ask('yan', 'when are you open on saturday?');
    expect(answered.replies[0]?.text).toContain('Monday to Friday 9:00-18:00');
    const followUp = await ask('yan', 'It would be for June.');
    expect(followUp.replies[0]?.text).toMatch(/added that to your question/);
    await waitForFeed((e) => e.direction === 'out' && e.threadId === threadId && e.text.includes('for June'));
    const member = await database.prisma.handoff.findFirstOrThrow({ where: { ownerThreadId: threadId } });
    expect(await database.prisma.handoff.count({ where: { memberId: member.memberId } })).toBe(1);
  });

  it('START and /start after STOP offer to subscribe again; the button does it; no handoff', async () => {
    expect((await ask('zoe', '/subscribe')).replies[0]?.text).toMatch(/subscribed/);
    expect((await ask('zoe', 'STOP')).replies[0]?.text).toMatch(/unsubscribed from everything/);
    const start = await ask('zoe', 'START');
    expect(start.replies[0]?.text).toMatch(/Want them again/);
    const button = start.replies[0]?.buttons?.flat().find((b) => b.actionId === 'subscriptions:subscribe');
    expect(button?.label).toMatch(/Subscribe to/);
    const slash = await ask('zoe', '/start');
    expect(slash.replies[0]?.text).toMatch(/Want them again/);
    const again = await press('telegram', 'zoe', 'subscriptions:subscribe', button?.value ?? '');
    expect(again.replies[0]?.text).toMatch(/subscribed to .* again/);
    const member = await database.prisma.identity.findFirstOrThrow({
      where: { platform: 'telegram', platformUserId: 'zoe' },
    });
    expect(await database.prisma.subscription.count({ where: { memberId: member.memberId } })).toBe(1);
    expect(await database.prisma.handoff.count({ where: { memberId: member.memberId } })).toBe(0);
    // Subscribed now: /start is the plain help, no offer.
    expect((await ask('zoe', '/start')).replies[0]?.text).not.toMatch(/Want them again/);
  });
});
