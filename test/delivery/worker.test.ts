import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Capabilities, PlatformAdapter } from '../../src/core/adapter.ts';
import { PermanentError, RateLimitedError, TransientError } from '../../src/core/errors.ts';
import type { OutboundMessage, SendResult } from '../../src/core/outbound.ts';
import type { Database } from '../../src/db/database.ts';
import type { DeliveryListener } from '../../src/delivery/listeners.ts';
import { type DirectTaker, Outbox } from '../../src/delivery/outbox.ts';
import { SendRateLimiter } from '../../src/delivery/rate-limiter.ts';
import { DeliveryWorker } from '../../src/delivery/worker.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { CapturingLogger } from '../support/logger.ts';
import { until } from '../support/until.ts';

const CAPABILITIES: Capabilities = {
  buttons: false,
  nativePolls: false,
  threads: false,
  editMessages: false,
  files: false,
  blocks: false,
  maxTextLength: 4096,
  rateLimits: [
    { scope: 'account', limit: 10_000, windowMs: 1000 },
    { scope: 'chat', limit: 10_000, windowMs: 1000 },
  ],
};

/** A platform adapter whose send outcomes the test scripts; it records what it sent. */
class ScriptedAdapter implements PlatformAdapter {
  readonly platform = 'telegram' as const;
  readonly capabilities = CAPABILITIES;
  readonly sent: OutboundMessage[] = [];
  readonly failures: Error[] = [];
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async send(message: OutboundMessage): Promise<SendResult> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(message);
    return { messageId: `m${message.id}` };
  }
}

describe.each(TEST_DATABASES)('outbox delivery worker ($name)', (kind) => {
  let database: Database;
  let outbox: Outbox;
  let adapter: ScriptedAdapter;
  let clock: number;
  const listener = { gone: [] as string[], dead: [] as string[] };

  function worker(options: { maxAttempts?: number; leaseMs?: number } = {}) {
    const limiter = new SendRateLimiter(() => clock);
    limiter.configure('telegram', CAPABILITIES.rateLimits);
    const w = new DeliveryWorker({
      outbox,
      limiter,
      adapterFor: (platform) => (platform === 'telegram' ? adapter : undefined),
      log: new CapturingLogger(),
      pollMs: 1000,
      batchSize: 50,
      maxAttempts: options.maxAttempts ?? 3,
      leaseMs: options.leaseMs ?? 60_000,
      now: () => new Date(clock),
    });
    const hooks: DeliveryListener = {
      onRecipientGone: (row) => void listener.gone.push(row.chatId),
      onDead: (row) => void listener.dead.push(row.chatId),
    };
    w.addListener(hooks);
    return w;
  }

  async function rowOf(id: string) {
    return database.prisma.outbox.findUniqueOrThrow({ where: { id: BigInt(id) } });
  }

  beforeAll(async () => {
    database = await kind.open();
    outbox = new Outbox(database.prisma);
  });
  afterAll(async () => database?.close());
  beforeEach(async () => {
    await database.prisma.outbox.deleteMany();
    adapter = new ScriptedAdapter();
    clock = Date.parse('2026-11-23T10:00:00Z');
    listener.gone.length = 0;
    listener.dead.length = 0;
  });

  const enqueue = (chatId: string, text = 'hello') =>
    outbox.enqueue({ to: { platform: 'telegram', chatId }, content: { text }, availableAt: new Date(clock) });

  it('enqueues made together are stored in one batch, every field exactly, ids in call order', async () => {
    const at = new Date(clock + 1234);
    const ids = await Promise.all([
      outbox.enqueue({
        to: { platform: 'telegram', chatId: 'c1', threadId: 't1' },
        content: { text: 'first “quoted” é', buttons: [[{ actionId: 'a', label: 'Yes', value: 'y' }]] },
        correlationId: 'corr-1',
        memberId: 'member-1',
        availableAt: at,
      }),
      outbox.enqueue({ to: { platform: 'discord', chatId: 'c2' }, content: { text: 'second' } }),
    ]);
    expect(BigInt(ids[0] ?? '0')).toBeLessThan(BigInt(ids[1] ?? '0'));
    const first = await rowOf(ids[0] ?? '');
    expect(first).toMatchObject({
      platform: 'telegram',
      chatId: 'c1',
      threadId: 't1',
      payload: { text: 'first “quoted” é', buttons: [[{ actionId: 'a', label: 'Yes', value: 'y' }]] },
      correlationId: 'corr-1',
      memberId: 'member-1',
      broadcastId: null,
      dedupeKey: null,
      status: 'pending',
      attempts: 0,
    });
    expect(first.availableAt.toISOString()).toBe(at.toISOString());
    expect(await rowOf(ids[1] ?? '')).toMatchObject({ platform: 'discord', threadId: null, memberId: null });
  });

  it('counts rows in hand and sends whose outcome is not stored yet (what /health reports)', async () => {
    const w = worker();
    let release = () => {};
    const recorded = new Promise<void>((resolve) => {
      release = resolve;
    });
    w.addListener({ onSent: () => recorded }); // the outcome is stored once every listener has it
    await enqueue('health-1');
    expect(w.inFlight()).toEqual({ inHand: 0, awaitingRecord: 0 });
    const pass = w.runOnce();
    await until(() => w.inFlight().awaitingRecord === 1, 'the send awaiting its record');
    expect(adapter.sent).toHaveLength(1);
    release();
    await pass;
    expect(w.inFlight()).toEqual({ inHand: 0, awaitingRecord: 0 });
  });

  it('two workers draining the same rows concurrently send each row exactly once', async () => {
    for (let i = 0; i < 120; i++) await enqueue(`chat-${i % 7}`, `message ${i}`);
    const a = worker();
    const b = worker();
    let claimed = 0;
    do {
      const [ca, cb] = await Promise.all([a.runOnce(), b.runOnce()]);
      claimed = ca + cb;
    } while (claimed > 0);
    const ids = adapter.sent.map((m) => m.id);
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
    expect(await outbox.counts()).toEqual({ sent: 120 });
  });

  it('a 429 puts the row back for exactly the time asked, without counting an attempt', async () => {
    const id = await enqueue('chat-1');
    adapter.failures.push(new RateLimitedError(7000));
    const w = worker();
    expect(await w.runOnce()).toBe(1);
    const row = await rowOf(id);
    expect(row.status).toBe('pending');
    expect(row.availableAt.getTime()).toBe(clock + 7000);
    expect(row.attempts).toBe(0);
    // A millisecond early, the row may be claimed ahead, but it is not sent before its time.
    clock += 6999;
    await w.runOnce();
    expect(adapter.sent).toHaveLength(0);
    clock += 1;
    expect(await w.runOnce()).toBe(1);
    expect(adapter.sent.map((m) => m.id)).toEqual([id]);
    expect((await rowOf(id)).status).toBe('sent');
  });

  it('transient errors retry with growing backoff, then dead-letter after the maximum attempts', async () => {
    const id = await enqueue('chat-2');
    adapter.failures.push(new TransientError('502'), new TransientError('503'), new TransientError('504'));
    const w = worker({ maxAttempts: 3 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await w.runOnce()).toBe(1);
      const row = await rowOf(id);
      if (attempt < 3) {
        expect(row.status).toBe('pending');
        expect(row.attempts).toBe(attempt);
        delays.push(row.availableAt.getTime() - clock);
        clock = row.availableAt.getTime();
      } else {
        expect(row.status).toBe('dead');
        expect(row.lastError).toContain('gave up after 3 attempts');
      }
    }
    expect(delays[0]).toBeGreaterThanOrEqual(500);
    expect(delays[1]).toBeGreaterThanOrEqual(1000);
    expect(adapter.sent).toHaveLength(0);
    expect(listener.dead).toEqual(['chat-2']);
  });

  it('a permanent error dead-letters at once and tells listeners when the recipient is gone', async () => {
    const gone = await enqueue('blocked-user');
    const missing = await enqueue('no-such-chat');
    adapter.failures.push(new PermanentError('Forbidden: bot was blocked by the user', true));
    adapter.failures.push(new PermanentError('Bad Request: chat not found'));
    const w = worker();
    // One at a time so the scripted failures line up with the rows.
    await w.runOnce();
    expect((await rowOf(gone)).status).toBe('dead');
    expect((await rowOf(missing)).status).toBe('dead');
    expect(listener.gone).toEqual(['blocked-user']);
    expect(listener.dead.sort()).toEqual(['blocked-user', 'no-such-chat']);
  });

  it('never sends a row again once it was recorded as sent, and only the lease holder records it', async () => {
    const id = await enqueue('chat-3');
    const slow = worker({ leaseMs: 1000 });
    const [claimedBySlow] = await outbox.claim('worker-slow', 10, new Date(clock), 1000);
    expect(claimedBySlow?.id.toString()).toBe(id);
    // The slow worker's lease runs out: another worker takes the row over and sends it.
    clock += 1001;
    expect(await slow.runOnce()).toBe(1);
    expect(adapter.sent).toHaveLength(1);
    // The first worker finishing late cannot record the row as its own.
    expect(await outbox.markSent(claimedBySlow!, 'worker-slow', 'late')).toBe(false);
    clock += 24 * 3600_000;
    expect(await slow.runOnce()).toBe(0);
    expect(adapter.sent).toHaveLength(1);
    expect((await rowOf(id)).platformMessageId).toBe(`m${id}`);
  });

  it('a row whose lease ran out while it waited in this worker is claimed again but not sent twice', async () => {
    const id = await enqueue('chat-stalled');
    const w = worker({ leaseMs: 1000 });
    let release = () => {};
    const stalled = new Promise<void>((resolve) => {
      release = resolve;
    });
    const send = adapter.send.bind(adapter);
    let sending = 0;
    adapter.send = async (message) => {
      sending++;
      await stalled; // the process stalls mid-send, past its lease
      return send(message);
    };
    const first = w.runOnce();
    await until(() => sending === 1, 'the first send under way');
    clock += 1001;
    await w.runOnce(); // claims the row again (its lease ran out)...
    expect((await rowOf(id)).attempts).toBe(2);
    release();
    await first;
    expect(adapter.sent.map((m) => m.id)).toEqual([id]); // ...and sends it once
    expect((await rowOf(id)).status).toBe('sent');
  });

  it('a row that waited past its lease is not sent once another worker took it over', async () => {
    const id = await enqueue('chat-waited');
    const limiterA = new SendRateLimiter(() => clock);
    limiterA.configure('telegram', CAPABILITIES.rateLimits);
    const a = new DeliveryWorker({
      outbox,
      limiter: limiterA,
      adapterFor: () => adapter,
      log: new CapturingLogger(),
      pollMs: 1000,
      batchSize: 50,
      maxAttempts: 3,
      leaseMs: 1000,
      now: () => new Date(clock),
    });
    limiterA.pause('telegram', 'chat-waited', 1500); // A claims the row, then must wait for its turn
    const waiting = a.runOnce();
    await until(async () => (await rowOf(id)).status === 'sending', 'A claimed the row');
    clock += 1001; // A's lease runs out while it waits; B takes the row over and sends it
    expect(await worker({ leaseMs: 1000 }).runOnce()).toBe(1);
    expect(adapter.sent.map((m) => m.id)).toEqual([id]);
    clock += 600; // A's wait ends: the row is no longer A's, so A does not send it
    await waiting;
    expect(adapter.sent.map((m) => m.id)).toEqual([id]);
  });

  it('claiming ahead never takes a row whose lease is still running', async () => {
    await enqueue('chat-5');
    const [leased] = await outbox.claim('worker-other', 10, new Date(clock), 1000);
    expect(leased).toBeDefined();
    // The lease ends at exactly clock + 1000: until then the row is the other worker's.
    clock += 1000;
    expect(await worker({ leaseMs: 1000 }).runOnce()).toBe(0);
    expect(adapter.sent).toHaveLength(0);
  });

  it("sends each chat's rows in queue order even when sends finish out of order", async () => {
    const queued: Record<string, string[]> = { a: [], b: [] };
    for (let i = 0; i < 5; i++) {
      queued.a?.push(await enqueue('chat-a', `a${i}`));
      queued.b?.push(await enqueue('chat-b', `b${i}`));
    }
    // Earlier sends take longer: sending a chat's rows all at once would record them reversed.
    let calls = 0;
    const send = adapter.send.bind(adapter);
    adapter.send = async (message) => {
      const delay = Math.max(0, 20 - 2 * calls++);
      await new Promise((resolve) => setTimeout(resolve, delay));
      return send(message);
    };
    expect(await worker().runOnce()).toBe(10);
    const sentTo = (chatId: string) => adapter.sent.filter((m) => m.to.chatId === chatId).map((m) => m.id);
    expect(sentTo('chat-a')).toEqual(queued.a);
    expect(sentTo('chat-b')).toEqual(queued.b);
  });

  it('a row put back to wait holds the rest of its chat behind it', async () => {
    const first = await enqueue('chat-c', 'first');
    const second = await enqueue('chat-c', 'second');
    const other = await enqueue('chat-d', 'other');
    adapter.failures.push(new TransientError('502'));
    const w = worker();
    expect(await w.runOnce()).toBe(3);
    expect(adapter.sent.map((m) => m.id)).toEqual([other]);
    const [a, b] = [await rowOf(first), await rowOf(second)];
    expect([a.status, b.status]).toEqual(['pending', 'pending']);
    expect(b.attempts).toBe(0);
    expect(b.availableAt.getTime()).toBe(a.availableAt.getTime());
    clock = a.availableAt.getTime();
    expect(await w.runOnce()).toBe(2);
    expect(adapter.sent.map((m) => m.id)).toEqual([other, first, second]);
  });

  it('holds a row back while the platform has no running adapter', async () => {
    const id = await database.prisma.outbox.create({
      data: { platform: 'discord', chatId: 'c', payload: { text: 'x' }, availableAt: new Date(clock) },
    });
    await worker().runOnce();
    const row = await rowOf(id.id.toString());
    expect(row.status).toBe('pending');
    expect(row.availableAt.getTime()).toBeGreaterThan(clock);
    expect(row.lastError).toContain('no running adapter');
  });

  describe('new rows handed straight to the running worker', () => {
    it('a plain enqueue is stored leased to the worker and sent once, as one attempt', async () => {
      clock = Date.now();
      const w = worker();
      w.start();
      try {
        await until(() => w.roomFor('telegram') > 0, 'the first claim to find the queue empty');
        const submitted = await Promise.all(
          ['one', 'two', 'three'].map((text) =>
            outbox.submit({ to: { platform: 'telegram', chatId: 'c-direct' }, content: { text } }),
          ),
        );
        expect(submitted.map((s) => s.handedOff)).toEqual([true, true, true]);
        await until(() => adapter.sent.length === 3, 'three sends');
        expect(adapter.sent.map((m) => m.text)).toEqual(['one', 'two', 'three']);
      } finally {
        await w.stop();
      }
      const rows = await database.prisma.outbox.findMany({ orderBy: { id: 'asc' } });
      expect(rows.map((r) => [r.status, r.attempts, r.lockedBy])).toEqual(
        Array.from({ length: 3 }, () => ['sent', 1, w.id]),
      );
    });

    it('a later reply never overtakes a row of its chat still queued for a claim', async () => {
      clock = Date.now();
      const w = worker();
      w.start();
      try {
        await until(() => w.roomFor('telegram') > 0, 'the first claim to find the queue empty');
        // A dedupe-keyed row (as a poll post or a handoff root is) waits for a claim; nobody wakes
        // the worker here, so only its next poll would claim it.
        const first = await outbox.enqueue({
          to: { platform: 'telegram', chatId: 'c-order' },
          content: { text: 'first' },
          dedupeKey: 'order-test',
        });
        const second = await outbox.submit({
          to: { platform: 'telegram', chatId: 'c-order' },
          content: { text: 'second' },
        });
        expect(second.handedOff).toBe(false);
        w.wake();
        await until(() => adapter.sent.length === 2, 'both sends');
        expect(adapter.sent.map((m) => m.id)).toEqual([first, second.id]);
      } finally {
        await w.stop();
      }
    });

    it('rows handed to a worker that died are sent by another once their lease runs out, exactly once', async () => {
      const dead: DirectTaker = { id: 'worker-dead', roomFor: () => 10, take: () => {}, queued: () => {} };
      outbox.handOffTo(dead, 30_000);
      const { id, handedOff } = await outbox.submit({
        to: { platform: 'telegram', chatId: 'c-orphan' },
        content: { text: 'orphan' },
      });
      outbox.handOffTo(undefined, 0);
      expect(handedOff).toBe(true);
      expect(await rowOf(id)).toMatchObject({ status: 'sending', lockedBy: 'worker-dead', attempts: 1 });

      const w = worker();
      clock = Date.now();
      expect(await w.runOnce()).toBe(0); // the lease is still running
      clock = Date.now() + 31_000;
      await w.drain();
      await w.drain();
      expect(adapter.sent.map((m) => m.id)).toEqual([id]);
      expect(await rowOf(id)).toMatchObject({ status: 'sent', lockedBy: w.id });
    });

    it('a stopped worker takes nothing: new rows wait in the queue', async () => {
      const w = worker();
      w.start();
      await w.stop();
      const { id, handedOff } = await outbox.submit({
        to: { platform: 'telegram', chatId: 'c' },
        content: { text: 'x' },
      });
      expect(handedOff).toBe(false);
      expect(await rowOf(id)).toMatchObject({ status: 'pending', lockedBy: null, attempts: 0 });
    });
  });
});
