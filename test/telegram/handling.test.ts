import { describe, expect, it } from 'vitest';
import { UpdateHandling } from '../../adapters/telegram/handling.ts';

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('UpdateHandling', () => {
  it('lets a caller on only once at most `limit` updates are in hand (failed ones count as done)', async () => {
    const handling = new UpdateHandling();
    const works = [deferred(), deferred(), deferred()];
    for (const work of works) void handling.track(work.promise).catch(() => {});
    let through = 0;
    const waiters = [handling.roomFor(1), handling.roomFor(1)].map((p) => p.then(() => through++));
    await flush();
    expect(through).toBe(0);
    works[0]?.resolve();
    await flush();
    expect(through).toBe(0); // two still in hand
    works[1]?.reject(new Error('handler failed'));
    await flush();
    expect(through).toBe(2);
    await Promise.all(waiters);
    await expect(handling.roomFor(1)).resolves.toBeUndefined(); // room: no wait
  });

  it("keeps chat order: a chat's later update runs after its earlier one; other chats do not wait", async () => {
    const handling = new UpdateHandling();
    const order: string[] = [];
    const first = deferred();
    const a1 = handling.inChatOrder('a', async () => {
      await first.promise;
      order.push('a1');
    });
    const a2 = handling.inChatOrder('a', async () => {
      order.push('a2');
    });
    const b1 = handling.inChatOrder('b', async () => {
      order.push('b1');
    });
    await b1;
    expect(order).toEqual(['b1']);
    first.resolve();
    await Promise.all([a1, a2]);
    expect(order).toEqual(['b1', 'a1', 'a2']);
  });

  it('wakes every waiter once the count in hand is down to the limit', async () => {
    const handling = new UpdateHandling();
    const works = Array.from({ length: 2_000 }, () => deferred());
    for (const work of works) void handling.track(work.promise);
    let through = 0;
    const waiters = Array.from({ length: 100 }, () => handling.roomFor(1_000).then(() => through++));
    for (const work of works.slice(0, 999)) work.resolve();
    await flush();
    expect(through).toBe(0); // 1,001 in hand
    works[999]?.resolve();
    await Promise.all(waiters);
    expect(through).toBe(100);
  });
});
