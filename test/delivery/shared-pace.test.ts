import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { SendRateLimiter } from '../../src/delivery/rate-limiter.ts';
import { SendTurn } from '../../src/delivery/send-turn.ts';
import { SharedPace } from '../../src/delivery/shared-pace.ts';
import { TEST_DATABASES } from '../support/databases.ts';

const LIMIT = 20;

/** Two instances' limiters on one database keep one pace between them. */
describe.each(TEST_DATABASES)('the send pace shared through the database ($name)', (kind) => {
  let database: Database;

  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(async () => database?.close());

  const instance = () => {
    const limiter = new SendRateLimiter(Date.now, new SharedPace(database.prisma));
    limiter.configure('telegram', [
      { scope: 'account', limit: LIMIT, windowMs: 1000 },
      { scope: 'chat', limit: 1, windowMs: 1000 },
    ]);
    return limiter;
  };

  it('two instances sending at once take slots one pace apart, and none leaves before its slot', async () => {
    const interval = 1000 / LIMIT;
    const a = new SharedPace(database.prisma);
    const b = new SharedPace(database.prisma);
    const departures: { slot: number; left: number }[] = [];
    const sends = Array.from({ length: 3 * LIMIT }, (_, i) =>
      (i % 2 === 0 ? a : b).depart('discord', interval, Number.POSITIVE_INFINITY).then((slot) => {
        departures.push({ slot: slot ?? Number.NaN, left: Date.now() });
      }),
    );
    await Promise.all(sends);
    const slots = departures.map((d) => d.slot).sort((x, y) => x - y);
    // Every slot lies on one grid, one pace apart, and no two sends share one. (A send that leaves
    // more than a slot late, on a loaded machine, takes a later slot: gaps may be whole paces wider.)
    for (let i = 1; i < slots.length; i++) {
      const paces = ((slots[i] ?? 0) - (slots[0] ?? 0)) / interval;
      expect(paces).toBeCloseTo(Math.round(paces), 3);
      expect((slots[i] ?? 0) - (slots[i - 1] ?? 0)).toBeGreaterThanOrEqual(interval - 0.001);
    }
    // (Node's timers may fire up to a millisecond early.)
    for (const { slot, left } of departures) expect(left).toBeGreaterThanOrEqual(Math.floor(slot) - 1);
  });

  it('a send late for its slot (a stall after it came) takes a new slot before its request', async () => {
    const limiter = instance();
    const slot = await limiter.depart('telegram');
    if (slot === undefined) throw new Error('no slot');
    expect(limiter.onTime('telegram', slot)).toBe(true);
    const stalled = slot - 1000; // as if the process had stalled a second since its slot came
    expect(limiter.onTime('telegram', stalled)).toBe(false);
    const fresh = await limiter.recheck('telegram', stalled);
    expect(fresh).toBeGreaterThan(slot);
    expect(Date.now()).toBeGreaterThanOrEqual(Math.floor(fresh ?? 0) - 1);
  });

  it('each further request of one send (a long text in pieces) takes a slot of its own', async () => {
    const limiter = instance();
    const turn = new SendTurn(limiter, 'telegram', await limiter.depart('telegram'));
    const depart = vi.spyOn(limiter, 'depart');
    for (let piece = 0; piece < 3; piece++) await turn.beforeRequest();
    expect(depart).toHaveBeenCalledTimes(2);
  });

  it('a 429 for the whole platform holds back every instance', async () => {
    const a = instance();
    const b = instance();
    await Promise.resolve(a.depart('telegram'));
    a.pause('telegram', null, 700);
    await new Promise((r) => setTimeout(r, 50)); // the pause reaches the database
    const start = Date.now();
    await Promise.resolve(b.depart('telegram'));
    expect(Date.now() - start).toBeGreaterThanOrEqual(600);
  });
});
