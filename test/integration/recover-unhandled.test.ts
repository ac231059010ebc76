import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HearthContext } from '../../src/app/context.ts';
import type { FeatureFactory } from '../../src/app/feature.ts';
import { Composer } from '../../src/core/composer.ts';
import type { InboundEvent } from '../../src/core/events.ts';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';

/**
 * An event is acknowledged to its platform once recorded; if the process handling it dies before
 * its replies are enqueued, the platform will not send it again. Hearth keeps it as received until
 * handled and handles it again once it is clearly abandoned.
 */
describe.each(TEST_DATABASES)('events whose handler died are handled again ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;
  let offsetMs = 0;
  let attempts = 0;
  let answeredAttempts = 0;

  /** The first handling of "stuck" never ends (its process "died"); a later one answers. */
  const stuckOnce: FeatureFactory = () => {
    const composer = new Composer<HearthContext>();
    composer.on('message', async (ctx) => {
      if (ctx.event.text === 'answered, then stuck') {
        answeredAttempts++;
        await ctx.reply('here is your answer');
        await new Promise(() => {}); // dies after its reply was enqueued, before the handled mark
      }
      if (ctx.event.text !== 'stuck') return;
      attempts++;
      if (attempts === 1) await new Promise(() => {});
      await ctx.reply('recovered: here is your answer');
    });
    return { name: 'stuck-once', composer };
  };

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({
      database,
      features: [stuckOnce],
      now: () => new Date(Date.now() + offsetMs),
    });
  });
  afterAll(async () => app?.stop());

  const event: InboundEvent = {
    kind: 'message',
    id: 'evt-stuck-1',
    at: new Date(),
    address: { platform: 'console', chatId: 'dana' },
    sender: { userId: 'dana', name: 'Dana', isBot: false },
    isDirect: true,
    text: 'stuck',
  };

  it('keeps the event until handled and hands it over again once abandoned, once', async () => {
    void app.hearth.bot.dispatch(event); // the handler never returns
    const db = database.prisma;
    const row = await until(
      () => db.processedEvent.findFirst({ where: { eventId: 'evt-stuck-1' } }),
      'the event recorded',
    );
    expect(row.handledAt).toBeNull();
    expect(row.event).toMatchObject({ id: 'evt-stuck-1', text: 'stuck' });
    // Not yet abandoned: the recovery job leaves it alone.
    offsetMs += 61_000;
    await app.hearth.scheduler.tick();
    expect(attempts).toBe(1);
    // Long abandoned (its receipt long ago): the next minute's job handles it again.
    await db.$executeRaw`UPDATE processed_event SET "receivedAt" = now() - interval '5 minutes'
      WHERE "eventId" = 'evt-stuck-1'`;
    offsetMs += 61_000;
    await app.hearth.scheduler.tick();
    const reply = await until(
      () => app.hub.transcript.after(0, (e) => e.direction === 'out' && e.chatId === 'dana')[0],
      'the answer',
    );
    expect(reply.text).toBe('recovered: here is your answer');
    expect(attempts).toBe(2);
    const handled = await until(
      async () => (await db.processedEvent.findFirst({ where: { eventId: 'evt-stuck-1' } }))?.handledAt,
      'marked handled',
    );
    expect(handled).toBeInstanceOf(Date);
    // Handled now: later sweeps and a redelivery leave it alone.
    offsetMs += 61_000;
    await app.hearth.scheduler.tick();
    expect(await app.hearth.bot.dispatch(event)).toEqual({ handled: false, enqueued: 0 });
    expect(attempts).toBe(2);
  });

  it('marks an event handled, without handling it again, when its reply was already enqueued', async () => {
    const answered: InboundEvent = { ...event, id: 'evt-answered-1', text: 'answered, then stuck' };
    void app.hearth.bot.dispatch(answered);
    const db = database.prisma;
    await until(
      () => db.outbox.findFirst({ where: { correlationId: 'evt-answered-1' } }),
      'the reply enqueued',
    );
    await db.$executeRaw`UPDATE processed_event SET "receivedAt" = now() - interval '5 minutes'
      WHERE "eventId" = 'evt-answered-1'`;
    offsetMs += 61_000;
    await app.hearth.scheduler.tick();
    const handled = await until(
      async () => (await db.processedEvent.findFirst({ where: { eventId: 'evt-answered-1' } }))?.handledAt,
      'marked handled',
    );
    expect(handled).toBeInstanceOf(Date);
    expect(answeredAttempts).toBe(1);
    expect(await db.outbox.count({ where: { correlationId: 'evt-answered-1' } })).toBe(1);
  });
});
