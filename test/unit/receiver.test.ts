import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../src/core/events.ts';
import { EventsInHand } from '../../src/core/events-in-hand.ts';
import { InboundReceiver } from '../../src/core/receiver.ts';
import { CapturingLogger } from '../support/logger.ts';

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

describe('EventsInHand', () => {
  it('lets a caller on only once at most `limit` events are in hand (failed ones count as done)', async () => {
    const handling = new EventsInHand();
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

  it("keeps chat order: a chat's later event runs after its earlier one; other chats do not wait", async () => {
    const handling = new EventsInHand();
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
    const handling = new EventsInHand();
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

const message = (id: string, chatId: string, text: string): InboundEvent => ({
  kind: 'message',
  id,
  at: new Date(),
  address: { platform: 'console', chatId },
  sender: { userId: chatId, isBot: false },
  isDirect: true,
  text,
});

describe('InboundReceiver', () => {
  const outcome = { handled: true, enqueued: 0 };

  it('hands a chat its events in order, recording before acknowledging, other chats meanwhile', async () => {
    const gate = deferred();
    const seen: string[] = [];
    const receiver = new InboundReceiver(
      async (event, progress) => {
        progress?.recorded();
        if (event.kind === 'message' && event.text === 'first') await gate.promise;
        seen.push(event.id);
        return outcome;
      },
      { platform: 'test', log: new CapturingLogger() },
    );
    const first = receiver.receive(message('1', 'a', 'first'));
    const second = receiver.receive(message('2', 'a', 'second'));
    const other = receiver.receive(message('3', 'b', 'other'));
    await expect(first.recorded).resolves.toBe(true); // recorded while still being handled
    await other.handled;
    expect(seen).toEqual(['3']);
    gate.resolve();
    await Promise.all([first.handled, second.handled]);
    expect(seen).toEqual(['3', '1', '2']);
    await expect(second.recorded).resolves.toBe(true);
  });

  it('tries an event it cannot record again until it is, and hands it over once', async () => {
    let failures = 3;
    const handled: string[] = [];
    const log = new CapturingLogger();
    const receiver = new InboundReceiver(
      async (event, progress) => {
        if (failures-- > 0) throw new Error('database down');
        progress?.recorded();
        handled.push(event.id);
        return outcome;
      },
      { platform: 'test', log, retryWaitsMs: [5, 10] },
    );
    const receipt = receiver.receive(message('1', 'a', 'hello'));
    await expect(receipt.recorded).resolves.toBe(true);
    await expect(receipt.handled).resolves.toEqual(outcome);
    expect(handled).toEqual(['1']);
    expect(log.find('warn', 'event not recorded').length).toBeGreaterThanOrEqual(1);
  });

  it('with retry off, gives an unrecordable event back at once (a webhook answers 500)', async () => {
    const receiver = new InboundReceiver(
      async () => {
        throw new Error('database down');
      },
      { platform: 'test', log: new CapturingLogger() },
    );
    const receipt = receiver.receive(message('1', 'a', 'hello'), { retry: false });
    await expect(receipt.recorded).resolves.toBe(false);
    await expect(receipt.handled).resolves.toBeUndefined();
  });

  it('stop() gives back events still waiting to be recorded and waits for those being handled', async () => {
    const slow = deferred();
    let done = false;
    const receiver = new InboundReceiver(
      async (event, progress) => {
        if (event.address.chatId === 'down') throw new Error('database down');
        progress?.recorded();
        await slow.promise;
        done = true;
        return outcome;
      },
      { platform: 'test', log: new CapturingLogger(), retryWaitsMs: [10_000] },
    );
    const stuck = receiver.receive(message('1', 'down', 'never recorded'));
    const busy = receiver.receive(message('2', 'up', 'being handled'));
    await busy.recorded;
    const stopping = receiver.stop();
    await expect(stuck.recorded).resolves.toBe(false);
    let stopped = false;
    void stopping.then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false); // still handling the other
    slow.resolve();
    await stopping;
    expect(done).toBe(true);
    const late = receiver.receive(message('3', 'up', 'after stop'));
    await expect(late.recorded).resolves.toBe(false);
  });

  it('makes a transport wait while more than maxInFlight events are in hand', async () => {
    const gate = deferred();
    const receiver = new InboundReceiver(
      async (_event, progress) => {
        progress?.recorded();
        await gate.promise;
        return outcome;
      },
      { platform: 'test', log: new CapturingLogger(), maxInFlight: 2 },
    );
    for (let i = 0; i < 3; i++) receiver.receive(message(String(i), `chat-${i}`, 'hi'));
    let room = false;
    void receiver.room().then(() => {
      room = true;
    });
    await flush();
    expect(room).toBe(false);
    gate.resolve();
    await receiver.stop();
    expect(room).toBe(true);
  });
});
