import { expect, it } from 'vitest';
import type { InboundEvent } from '../../src/core/events.ts';
import { AdapterStateStore } from '../../src/db/adapter-state-store.ts';
import { SendRateLimiter } from '../../src/delivery/rate-limiter.ts';
import { CONTRACT_MAX_IN_FLIGHT, type ContractRun } from './adapter-contract.ts';

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const textOf = (event: InboundEvent) => ('text' in event ? event.text : '');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What the seam gives every adapter, shown through each one: the shared receiver (per-chat order,
 * outage retry, back-pressure), durable state, reply handles, rate limits as windows.
 */
export function seamContract(run: ContractRun, transport: { pulls: boolean }): void {
  it('hands one chat’s events to the core in the order sent, even when the first is slow', async () => {
    const { harness, core } = run;
    const handled: string[] = [];
    core.behaviour = async (event, progress) => {
      progress?.recorded();
      if (textOf(event) === 'order one') await pause(200);
      if (textOf(event).startsWith('order ')) handled.push(textOf(event));
      return { handled: true, enqueued: 0 };
    };
    for (const word of ['one', 'two', 'three']) await harness.userSays('contract-order', `order ${word}`);
    await core.nextEvent((e) => textOf(e) === 'order three');
    core.behaviour = undefined;
    expect(handled).toEqual(['order one', 'order two', 'order three']);
  });

  it('records an event the core cannot store yet (database down) once it can, and hands it over once', async () => {
    const { harness, core } = run;
    let attempts = 0;
    core.behaviour = async (event, progress) => {
      if (textOf(event) === 'during the outage' && ++attempts <= 3) throw new Error('database unavailable');
      progress?.recorded();
      return { handled: true, enqueued: 0 };
    };
    if (harness.refusesUnrecorded) {
      // Refused where the sender sees it and sends again (as a platform redelivers after a 500).
      for (let refused = 0; refused < 3; refused++) {
        await expect(harness.userSays('contract-outage', 'during the outage')).rejects.toThrow();
      }
    }
    await harness.userSays('contract-outage', 'during the outage');
    await core.nextEvent((e) => textOf(e) === 'during the outage');
    core.behaviour = undefined;
    expect(attempts).toBe(4);
    await pause(100);
    expect(core.received.filter((e) => textOf(e) === 'during the outage')).toHaveLength(1);
  });

  // Pushed events (webhooks, a socket) cannot be held back at the source; pulled ones can.
  if (transport.pulls)
    it('a pulling transport fetches nothing more while the receiver is full (back-pressure)', async () => {
      const { harness, core } = run;
      const held = gate();
      let inHand = 0;
      core.behaviour = async (event, progress) => {
        progress?.recorded();
        if (textOf(event).startsWith('held ')) {
          inHand++;
          await held.opened;
        }
        return { handled: true, enqueued: 0 };
      };
      for (let i = 0; i <= CONTRACT_MAX_IN_FLIGHT; i++)
        await harness.userSays(`contract-bp-${i}`, `held ${i}`);
      const deadline = Date.now() + 5_000;
      while (inHand <= CONTRACT_MAX_IN_FLIGHT && Date.now() < deadline) await pause(10);
      expect(inHand).toBeGreaterThan(CONTRACT_MAX_IN_FLIGHT);
      await harness.userSays('contract-bp-late', 'after the full receiver');
      await pause(400);
      expect(core.received.some((e) => textOf(e) === 'after the full receiver')).toBe(false);
      held.open();
      await core.nextEvent((e) => textOf(e) === 'after the full receiver');
      core.behaviour = undefined;
    });

  it('keeps adapter state durably: a value survives a restart; of two racing writers one wins', async () => {
    const { context, database, harness } = run;
    const platform = harness.adapter.platform;
    const state = context.state('contract-account');
    const version = await state.set('cursor', { lastId: '1234567890123456789' });
    // A later process: a new store on the same database reads what the first one wrote.
    const restarted = new AdapterStateStore(database.prisma, platform, 'contract-account');
    expect(await restarted.get('cursor')).toEqual({ value: { lastId: '1234567890123456789' }, version });
    // Another account's namespace does not see it.
    expect(await context.state('another-account').get('cursor')).toBeUndefined();
    const writers = [state, restarted].map((store, i) =>
      store.compareAndSet('cursor', version, { lastId: `writer-${i}` }),
    );
    const results = await Promise.all(writers);
    expect(results.filter((r) => r !== undefined)).toEqual([version + 1]);
    const winner = results.findIndex((r) => r !== undefined);
    expect((await state.get('cursor'))?.value).toEqual({ lastId: `writer-${winner}` });
    expect(await state.compareAndSet('fresh-key', null, 1)).toBe(1);
    expect(await restarted.compareAndSet('fresh-key', null, 2)).toBeUndefined();
    await state.delete('fresh-key');
    expect(await restarted.get('fresh-key')).toBeUndefined();
  });

  it('declares its send limits as windows the limiter keeps', async () => {
    const { harness } = run;
    const windows = harness.adapter.capabilities.rateLimits;
    for (const window of windows) {
      expect(window.limit).toBeGreaterThan(0);
      expect(window.windowMs).toBeGreaterThan(0);
    }
    const [tightest] = windows
      .filter((w) => w.scope === 'account')
      .sort((a, b) => a.windowMs - b.windowMs || a.limit - b.limit);
    if (!tightest) throw new Error('no account window declared');
    let now = 1_000_000;
    const limiter = new SendRateLimiter(() => now);
    limiter.configure(harness.adapter.platform, windows);
    let granted = 0;
    for (let i = 0; i < tightest.limit + 5; i++) {
      if ((await limiter.acquire(harness.adapter.platform, `chat-${i}`)) === 0) granted++;
    }
    expect(granted).toBeLessThanOrEqual(tightest.limit);
    expect(granted).toBeGreaterThan(0);
    now += tightest.windowMs + 10;
    expect(await limiter.acquire(harness.adapter.platform, 'chat-after')).toBe(0);
  });

  it('answers through a reply handle from another process while it is valid, normally after', async () => {
    const { harness, core } = run;
    const handles = harness.replyHandles;
    const other = harness.createAdapter?.() ?? harness.adapter;
    if (!harness.adapter.capabilities.replyHandles || !handles) {
      // An adapter without handles sends a reply that carries one (from elsewhere) normally.
      const to = harness.directChat('contract-foreign-handle');
      const future = new Date(Date.now() + 60_000).toISOString();
      await other.send({
        id: 'c-h0',
        to,
        text: 'sent normally',
        replyHandle: { value: 'x', expiresAt: future },
      });
      expect((await harness.delivered(to)).map((m) => m.text)).toContain('sent normally');
      return;
    }
    await handles.trigger('contract-handle');
    const event = await core.nextEvent((e) => e.replyHandle !== undefined);
    const handle = JSON.parse(JSON.stringify(event.replyHandle));
    expect(Date.parse(handle.expiresAt)).toBeGreaterThan(Date.now());
    handles.blockNextNormalSend();
    await other.send({ id: 'c-h1', to: event.address, text: 'through the handle', replyHandle: handle });
    expect(handles.deliveredViaHandle()).toContain('through the handle');
    const expired = { ...handle, expiresAt: new Date(Date.now() - 1000).toISOString() };
    await other.send({ id: 'c-h2', to: event.address, text: 'after it expired', replyHandle: expired });
    expect(handles.deliveredViaHandle()).not.toContain('after it expired');
    expect((await harness.delivered(event.address)).map((m) => m.text)).toContain('after it expired');
  });
}

/** Last of the contract: stop() lets the events in hand finish before it resolves. */
export function drainContract(run: ContractRun): void {
  it('drains on stop: an event being handled finishes before stop() resolves', async () => {
    const { harness, core } = run;
    const slow = gate();
    let started = false;
    let finished = false;
    core.behaviour = async (event, progress) => {
      progress?.recorded();
      if (textOf(event) === 'handled while stopping') {
        started = true;
        await slow.opened;
        finished = true;
      }
      return { handled: true, enqueued: 0 };
    };
    // Not awaited: a transport may answer the sender only once the event is handled (the console).
    const said = harness.userSays('contract-drain', 'handled while stopping');
    const deadline = Date.now() + 5_000;
    while (!started && Date.now() < deadline) await pause(10);
    expect(started).toBe(true);
    let stopped = false;
    const stopping = harness.adapter.stop().then(() => {
      stopped = true;
    });
    await pause(200);
    expect(stopped).toBe(false);
    slow.open();
    await stopping;
    expect(finished).toBe(true);
    await said;
    core.behaviour = undefined;
  });
}
