import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/core/events.ts';
import type { Database } from '../../src/db/database.ts';
import { IN_DOUBT } from '../../src/delivery/departures.ts';
import { Outbox } from '../../src/delivery/outbox.ts';
import { TEST_DATABASES } from '../support/databases.ts';

const LEASE_MS = 1_000;

/**
 * Departures recorded right before a request (as with PostgreSQL): only the worker holding the row
 * may record one; a row whose worker died during its request is in doubt and not sent again, unless
 * its platform drops a repeated send; a late outcome of a living worker still counts.
 */
describe.each(TEST_DATABASES)('departures and rows in doubt ($name)', (kind) => {
  let database: Database;
  let outbox: Outbox;

  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => database?.close());
  beforeEach(async () => {
    await database.prisma.outbox.deleteMany();
    outbox = new Outbox(database.prisma, 0, true);
    outbox.departures.resendInDoubt(['discord']);
  });

  const enqueue = (platform: Platform, chatId: string) =>
    outbox.enqueue({ to: { platform, chatId }, content: { text: 'hello' }, availableAt: new Date(0) });
  const claim = (worker: string, at = Date.now()) => outbox.claim(worker, 10, new Date(at), LEASE_MS);
  /** A claim after every lease so far ran out (with a new Outbox, so it sweeps them at once). */
  const claimLater = (worker: string) => {
    const later = new Outbox(database.prisma, 0, true);
    later.departures.resendInDoubt(['discord']);
    return later.claim(worker, 10, new Date(Date.now() + 10 * LEASE_MS), LEASE_MS);
  };
  const row = (id: bigint) => database.prisma.outbox.findUniqueOrThrow({ where: { id } });

  it('only the worker holding a row keeps it (its lease renewed) and records its departure', async () => {
    await enqueue('telegram', 'a');
    const [claimed] = await claim('w1');
    if (!claimed) throw new Error('nothing claimed');
    expect(await outbox.departures.hold(claimed, 'w2', new Date(Date.now() + LEASE_MS))).toBe(false);
    await outbox.departures.departed(claimed, 'w2');
    expect((await row(claimed.id)).departedAt).toBeNull();
    expect(await outbox.departures.hold(claimed, 'w1', new Date(Date.now() + 60_000))).toBe(true);
    expect((await row(claimed.id)).lockedUntil?.getTime()).toBeGreaterThan(Date.now() + 30_000);
    await outbox.departures.departed(claimed, 'w1');
    expect((await row(claimed.id)).departedAt).not.toBeNull();
  });

  it('a row whose worker died during its request is in doubt, not sent again; one before its request is', async () => {
    await enqueue('telegram', 'in-flight');
    await enqueue('telegram', 'waiting');
    await enqueue('telegram', 'undone');
    const rows = await claim('dead');
    const byChat = new Map(rows.map((r) => [r.chatId, r]));
    const inFlight = byChat.get('in-flight');
    const undone = byChat.get('undone');
    if (!inFlight || !undone) throw new Error('not claimed');
    for (const r of [inFlight, undone]) {
      expect(await outbox.departures.hold(r, 'dead', new Date())).toBe(true);
      await outbox.departures.departed(r, 'dead');
    }
    await outbox.departures.notDeparted(undone, 'dead'); // e.g. a 429: the request did not go
    const again = await claimLater('next');
    expect(again.map((r) => r.chatId).sort()).toEqual(['undone', 'waiting']);
    expect(await row(inFlight.id)).toMatchObject({ status: 'sent', lastError: IN_DOUBT });
  });

  it('a platform that drops repeated sends gets its rows in doubt again', async () => {
    await enqueue('discord', 'd');
    const [claimed] = await claim('dead');
    if (!claimed) throw new Error('nothing claimed');
    await outbox.departures.departed(claimed, 'dead');
    const again = await claimLater('next');
    expect(again.map((r) => r.chatId)).toEqual(['d']);
  });

  it("a slow but living worker's outcome replaces the doubt: sent with its id, or back to pending", async () => {
    await enqueue('telegram', 'answered');
    await enqueue('telegram', 'refused');
    const rows = await claim('slow');
    for (const r of rows) await outbox.departures.departed(r, 'slow');
    expect(await claimLater('next')).toEqual([]);
    const [answered, refused] = [...rows].sort((a, b) => a.chatId.localeCompare(b.chatId));
    if (!answered || !refused) throw new Error('not claimed');
    expect(await outbox.markSent(answered, 'slow', 'm-1')).toBe(true);
    expect(await row(answered.id)).toMatchObject({
      status: 'sent',
      platformMessageId: 'm-1',
      lastError: null,
    });
    await outbox.release(refused, 'slow', new Date(0), 'telegram: 429', false);
    expect(await row(refused.id)).toMatchObject({ status: 'pending', departedAt: null });
  });
});
