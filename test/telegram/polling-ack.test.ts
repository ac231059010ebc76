import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../adapters/telegram/index.ts';
import type { HearthContext } from '../../src/app/context.ts';
import type { FeatureFactory } from '../../src/app/feature.ts';
import type { DispatchProgress } from '../../src/core/adapter.ts';
import { Composer } from '../../src/core/composer.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import { FEATURES } from '../../src/features/index.ts';
import { FakeTelegramApi } from '../fakes/telegram-api.ts';
import { adapterContext } from '../support/adapter-context.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { CapturingLogger } from '../support/logger.ts';
import { until } from '../support/until.ts';
import { startTelegramHearth, type TelegramHearth } from './harness.ts';
import { BOT_TOKEN, privateText } from './updates.ts';

/** A promise that another part of the test settles. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * Long polling acknowledges an update by asking for the next offset. The adapter asks once every
 * update of the batch is recorded by the core, not once each is handled: a slow handler holds up
 * nobody else, and nothing unrecorded is ever acknowledged.
 */
describe('telegram long polling: acknowledging updates', () => {
  let fake: FakeTelegramApi;
  let adapter: TelegramAdapter;

  /** The highest offset the adapter has asked getUpdates for (it acknowledges every update below). */
  const acknowledgedBelow = () => fake.confirmedBelow();

  async function start(sink: (event: InboundEvent, progress?: DispatchProgress) => Promise<void>) {
    fake = await FakeTelegramApi.start();
    adapter = new TelegramAdapter({
      token: BOT_TOKEN,
      apiRoot: fake.url,
      log: new CapturingLogger(),
    });
    await adapter.start(
      adapterContext(async (event, progress) => {
        await sink(event, progress);
        return { handled: true, enqueued: 0 };
      }),
    );
  }

  /** A sink that records each event at once, then holds the message `slowText` until `slow` opens. */
  async function startRecordingAtOnce(slowText: string) {
    const slow = gate();
    const handled: string[] = [];
    await start(async (event, progress) => {
      progress?.recorded();
      if (event.kind === 'message' && event.text === slowText) await slow.opened;
      handled.push(event.kind === 'message' ? event.text : event.kind);
    });
    return { slow, handled };
  }

  afterEach(async () => {
    await adapter?.stop();
    await fake?.close();
  });

  it('a recorded update is acknowledged while it is still being handled; the next one goes ahead', async () => {
    const { slow, handled } = await startRecordingAtOnce('slow');
    const [slowId] = fake.pushUpdate(BOT_TOKEN, privateText(3001, 'slow'));
    await until(() => acknowledgedBelow() > (slowId ?? Number.NaN), 'the slow update acknowledged');
    fake.pushUpdate(BOT_TOKEN, privateText(3002, 'quick'));
    await until(() => handled.includes('quick'), 'the next customer handled');
    expect(handled).toEqual(['quick']);
    slow.open();
    await until(() => handled.includes('slow'), 'the slow update handled');
  });

  it('an update is not acknowledged before it is recorded', async () => {
    const record = gate();
    const seen: string[] = [];
    await start(async (event, progress) => {
      seen.push(event.id);
      await record.opened;
      progress?.recorded();
    });
    const [id] = fake.pushUpdate(BOT_TOKEN, privateText(3003, 'hello'));
    await until(() => seen.length === 1, 'the update reaching the sink');
    const pollsBefore = fake.calls.filter((c) => c.method === 'getUpdates').length;
    await new Promise((r) => setTimeout(r, 300));
    expect(acknowledgedBelow()).toBeLessThanOrEqual(id ?? Number.NaN);
    expect(fake.calls.filter((c) => c.method === 'getUpdates')).toHaveLength(pollsBefore);
    record.open();
    await until(() => acknowledgedBelow() > (id ?? Number.NaN), 'the update acknowledged once recorded');
  });

  it('a later message of the same chat waits for the earlier one to be handled', async () => {
    const { slow, handled } = await startRecordingAtOnce('first');
    const [firstId] = fake.pushUpdate(BOT_TOKEN, privateText(3004, 'first'));
    await until(() => acknowledgedBelow() > (firstId ?? Number.NaN), 'the first update acknowledged');
    fake.pushUpdate(BOT_TOKEN, privateText(3004, 'second'), privateText(3005, 'other chat'));
    await until(() => handled.includes('other chat'), 'another chat handled meanwhile');
    expect(handled).toEqual(['other chat']);
    slow.open();
    await until(() => handled.length === 3, 'both messages of the chat handled');
    expect(handled).toEqual(['other chat', 'first', 'second']);
  });

  it('an update the core cannot record (database down) is tried until it is, and only then confirmed', async () => {
    let failures = 0;
    const recordedTexts: string[] = [];
    await start(async (event, progress) => {
      if (failures < 8) {
        failures++; // more than a few retries: an outage of some length
        throw new Error('database unavailable');
      }
      progress?.recorded();
      recordedTexts.push(event.kind === 'message' ? event.text : event.kind);
    });
    const [id] = fake.pushUpdate(BOT_TOKEN, privateText(3007, 'during the outage'));
    await until(() => failures >= 4, 'a few failed attempts');
    expect(acknowledgedBelow()).toBeLessThanOrEqual(id ?? Number.NaN);
    await until(() => recordedTexts.length === 1, 'the update recorded once the database is back');
    await until(() => acknowledgedBelow() > (id ?? Number.NaN), 'the update confirmed');
    expect(recordedTexts).toEqual(['during the outage']);
    expect(failures).toBe(8);
  });

  it('stopping during an outage leaves the update unconfirmed: the next start gets it', async () => {
    let attempts = 0;
    await start(async () => {
      attempts++;
      throw new Error('database unavailable');
    });
    const [id] = fake.pushUpdate(BOT_TOKEN, privateText(3008, 'kept by Telegram'));
    await until(() => attempts >= 2, 'failed attempts');
    const stopping = Date.now();
    await adapter.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000); // no retry waited out
    expect(acknowledgedBelow()).toBeLessThanOrEqual(id ?? Number.NaN);

    const next = new TelegramAdapter({ token: BOT_TOKEN, apiRoot: fake.url, log: new CapturingLogger() });
    const received: string[] = [];
    await next.start(
      adapterContext(async (event, progress) => {
        progress?.recorded();
        received.push(event.kind === 'message' ? event.text : event.kind);
        return { handled: true, enqueued: 0 };
      }),
    );
    await until(() => received.length === 1, 'the update redelivered to the next start');
    await next.stop();
    expect(received).toEqual(['kept by Telegram']);
    expect(acknowledgedBelow()).toBeGreaterThan(id ?? Number.NaN);
  });

  it('stop() waits for updates still being handled', async () => {
    const slow = gate();
    let finished = false;
    await start(async (_event, progress) => {
      progress?.recorded();
      await slow.opened;
      finished = true;
    });
    const [id] = fake.pushUpdate(BOT_TOKEN, privateText(3006, 'slow'));
    await until(() => acknowledgedBelow() > (id ?? Number.NaN), 'the update acknowledged');
    const stopped = adapter.stop().then(() => finished);
    setTimeout(() => slow.open(), 100);
    expect(await stopped).toBe(true);
  });
});

describe.each(TEST_DATABASES)('telegram long polling through Hearth ($name)', (kind) => {
  let t: TelegramHearth;
  const slow = gate();
  /** A feature whose answer to "slow" takes until the test says so (an LLM call, say). */
  const slowFeature: FeatureFactory = () => ({
    name: 'slow-test',
    composer: new Composer<HearthContext>().hears(/^slow$/, async (ctx) => {
      await slow.opened;
      await ctx.reply('slow answer');
    }),
  });

  beforeAll(async () => {
    t = await startTelegramHearth(await kind.open(), { features: [slowFeature, ...FEATURES] });
  });
  afterAll(async () => {
    slow.open();
    await t?.stop();
  });

  it("one customer's slow answer holds up no other customer; it still arrives, once", async () => {
    t.fake.pushUpdate(BOT_TOKEN, privateText(3101, 'slow'));
    await until(
      () =>
        t.fake.calls.some(
          (c) => c.method === 'getUpdates' && Number((c.body as { offset?: unknown }).offset) > 0,
        ),
      'the slow update acknowledged',
    );
    t.fake.pushUpdate(BOT_TOKEN, privateText(3102, '/subscribe news'));
    await t.replyIn(3102, "You're subscribed to news");
    expect(t.fake.sent(3101)).toHaveLength(0);
    slow.open();
    await t.replyIn(3101, 'slow answer');
    const db = t.app.hearth.services.db;
    expect(await db.processedEvent.count({ where: { platform: 'telegram' } })).toBe(2);
    expect(t.fake.sent(3101)).toHaveLength(1);
  });
});
