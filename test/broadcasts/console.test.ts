import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createBroadcastsFeature } from '../../src/features/broadcasts/index.ts';
import { fallbackFeature } from '../../src/features/fallback.ts';
import { subscriptionsFeature } from '../../src/features/subscriptions/index.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';
import { dispatch, owner, ownerNoWait, received, say, shortIdIn } from './helpers.ts';

describe.each(TEST_DATABASES)('broadcasts and schedules through the console owner view ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;
  /** The test's clock runs `offset` ms ahead of the real one (so rows stamped with real time are due). */
  let offset = 0;

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({
      database,
      env: { HEARTH_TOPICS: 'news,offers', SCHEDULE_TIMEZONE: 'Europe/Berlin' },
      features: [
        subscriptionsFeature,
        createBroadcastsFeature({ progressMs: 50, batchSize: 2 }),
        fallbackFeature,
      ],
      now: () => new Date(Date.now() + offset),
    });
    await say(app, 'telegram', 'alice', '/subscribe news');
    await say(app, 'discord', 'bob', '/subscribe news');
    await say(app, 'x', 'carol', '/subscribe news');
    await say(app, 'x', 'carol', '/subscribe offers');
    await say(app, 'telegram', 'dave', '/subscribe offers');
    await database.prisma.channel.create({
      data: { platform: 'telegram', chatId: '#general', name: 'general' },
    });
  });
  afterAll(async () => app?.stop());

  it('announce: every subscriber once on their platform, the channel too, progress edited to done', async () => {
    const reply = await owner(
      app,
      'announce --now news,#general Big news! [Shop now](https://example.com/shop)',
    );
    expect(reply).toMatch(/^Broadcast [0-9a-f]{8} to news,#general is on its way/);
    const id = shortIdIn(reply);
    await until(() => received(app, 'telegram', '#general', 'Big news!').length === 1, 'the channel post');
    await until(() => received(app, 'x', 'carol', 'Big news!').length === 1, 'carol');
    await until(() => received(app, 'telegram', 'alice', 'Big news!').length === 1, 'alice');
    await until(() => received(app, 'discord', 'bob', 'Big news!').length === 1, 'bob');
    // Buttons where the platform has them, the link in the text where it does not.
    expect(received(app, 'telegram', 'alice', 'Big news!')[0]?.buttons).toEqual([
      [{ actionId: 'broadcast.link', label: 'Shop now', url: 'https://example.com/shop' }],
    ]);
    expect(received(app, 'discord', 'bob', 'Big news!')).toHaveLength(1);
    expect(received(app, 'x', 'carol', 'Big news!')[0]?.text).toBe(
      'Big news!\nShop now: https://example.com/shop',
    );
    expect(received(app, 'telegram', 'dave', 'Big news!')).toHaveLength(0);
    // The owners see one progress message, edited in place until it says done.
    const first = await until(
      () => received(app, 'slack', '#owners', `Broadcast ${id} to news,#general (`)[0],
      'progress',
    );
    const done = await until(
      () =>
        app.hub.transcript.after(0, (e) => e.editOf === first.messageId && e.text.includes('(done)')).at(-1),
      'the final progress edit',
    );
    expect(done.text).toContain('4 recipients · sent 4 · failed 0 · pending 0');
    const metrics = await database.prisma.metricEvent.findMany({ where: { type: 'delivery_sent' } });
    expect(metrics.reduce((sum, m) => sum + (m.value ?? 0), 0)).toBe(4);
  });

  it('sends a member in two of the audience topics one message', async () => {
    const reply = await owner(app, 'announce --now news,offers Two topics, one message');
    await until(() => received(app, 'telegram', 'dave', 'Two topics').length === 1, 'dave');
    await until(
      async () =>
        (await database.prisma.broadcast.findFirst({ where: { id: { startsWith: shortIdIn(reply) } } }))
          ?.status === 'done',
      'done',
    );
    expect(received(app, 'x', 'carol', 'Two topics')).toHaveLength(1);
    expect(received(app, 'telegram', 'alice', 'Two topics')).toHaveLength(1);
  });

  it('refuses unknown audiences and empty messages in plain words', async () => {
    expect(await owner(app, 'announce --now sports Hello')).toMatch(
      /I don't know sports\. Topics and channels: news, offers, #general/,
    );
    expect(await owner(app, 'announce --now news')).toMatch(/Say who gets it and what to say/);
  });

  it('STOP during a broadcast: the member gets nothing more from it; others get theirs', async () => {
    await app.hearth.worker.stop();
    const broadcastId = await ownerNoWait(app, 'announce --now news Pending when STOP came');
    expect(
      await database.prisma.outbox.count({
        where: { status: 'pending', payload: { path: ['text'], equals: 'Pending when STOP came' } },
      }),
    ).toBe(3);
    await dispatch(app, 'discord', 'bob', 'STOP');
    // Leaving one topic of two keeps a broadcast to the other; leaving the audience's topic cancels it.
    await dispatch(app, 'x', 'carol', '/unsubscribe offers');
    app.hearth.worker.start();
    await until(() => received(app, 'telegram', 'alice', 'Pending when STOP came').length === 1, 'alice');
    await until(() => received(app, 'x', 'carol', 'Pending when STOP came').length === 1, 'carol');
    const b = await until(
      () => database.prisma.broadcast.findFirst({ where: { id: broadcastId, status: 'done' } }),
      'done',
    );
    expect(received(app, 'discord', 'bob', 'Pending when STOP came')).toHaveLength(0);
    expect(await database.prisma.outbox.count({ where: { broadcastId: b.id, status: 'cancelled' } })).toBe(1);

    await app.hearth.worker.stop();
    const second = await ownerNoWait(app, 'announce --now news Second pending');
    await dispatch(app, 'x', 'carol', '/unsubscribe news');
    app.hearth.worker.start();
    await until(() => received(app, 'telegram', 'alice', 'Second pending').length === 1, 'alice');
    await until(() => database.prisma.broadcast.findFirst({ where: { id: second, status: 'done' } }), 'done');
    expect(received(app, 'x', 'carol', 'Second pending')).toHaveLength(0);
    expect(
      await database.prisma.outbox.count({
        where: { broadcastId: second, status: 'cancelled', chatId: 'carol' },
      }),
    ).toBe(1);
  });

  it('schedule, schedules, pause, resume, cancel', async () => {
    const scheduled = await owner(app, 'schedule --now every monday 09:00 Europe/Berlin news Weekly update');
    expect(scheduled).toMatch(
      /^Scheduled [0-9a-f]{8}: Mondays at 09:00 Europe\/Berlin, next on Mon \d{1,2} [A-Z][a-z]{2}( \d{4})?, to news\.$/,
    );
    const id = shortIdIn(scheduled);
    const row = await database.prisma.schedule.findFirstOrThrow({ where: { id: { startsWith: id } } });
    expect(row).toMatchObject({
      kind: 'broadcast',
      cron: '0 9 * * 1',
      timezone: 'Europe/Berlin',
      status: 'active',
    });
    expect(await owner(app, 'schedules')).toMatch(
      new RegExp(
        `${id} broadcast active · Mondays at 09:00 Europe/Berlin, next on Mon .* · to news · "Weekly update"`,
      ),
    );
    expect(await owner(app, `pause ${id}`)).toBe(`Paused ${id}.`);
    expect(await owner(app, 'schedules')).toMatch(new RegExp(`${id} broadcast paused`));
    expect(await owner(app, `pause ${id}`)).toMatch(/only active ones pause/);
    expect(await owner(app, `resume ${id}`)).toBe(`Resumed ${id}.`);
    expect(await owner(app, `cancel ${id}`)).toBe(`Cancelled schedule ${id}.`);
    expect(await owner(app, 'schedules')).not.toContain(id);
    expect(await owner(app, 'cancel ffffffff')).toMatch(/No schedule or broadcast "ffffffff"/);
    expect(await owner(app, 'schedule --now whenever news hi')).toMatch(
      /I could not read when to send[\s\S]*Usage: \/hearth schedule/,
    );
    expect(await owner(app, 'schedule --now 2020-01-01 09:00 news hi')).toMatch(/That time has passed/);
  });

  it('a scheduled broadcast fires at its time (fake clock), once', async () => {
    const scheduled = await owner(app, 'schedule --now in 10m news Scheduled hello');
    expect(scheduled).toMatch(
      /^Scheduled [0-9a-f]{8}: on [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2}( \d{4})? at \d{2}:\d{2} Europe\/Berlin, to news/,
    );
    await app.hearth.scheduler.tick();
    expect(received(app, 'telegram', 'alice', 'Scheduled hello')).toHaveLength(0);
    offset += 11 * 60_000;
    await Promise.all([app.hearth.scheduler.tick(), app.hearth.scheduler.tick()]);
    await until(
      () => received(app, 'telegram', 'alice', 'Scheduled hello').length === 1,
      'the scheduled broadcast',
    );
    await app.hearth.scheduler.tick();
    const id = shortIdIn(scheduled);
    const broadcasts = await database.prisma.broadcast.findMany({
      where: { scheduleId: { startsWith: id } },
    });
    expect(broadcasts).toHaveLength(1);
    expect(
      (await database.prisma.schedule.findFirstOrThrow({ where: { id: { startsWith: id } } })).status,
    ).toBe('done');
  });

  it('cancel <broadcast id> stops a broadcast going out', async () => {
    await app.hearth.worker.stop();
    const id = (await ownerNoWait(app, 'announce --now news,offers To be cancelled')).slice(0, 8);
    await dispatch(app, 'slack', 'U-owner', `/hearth cancel ${id}`, '#owners');
    app.hearth.worker.start();
    await until(
      () =>
        received(app, 'slack', '#owners', `Stopped broadcast ${id}; 2 pending messages cancelled`).length ===
        1,
      'the answer',
    );
    await say(app, 'telegram', 'alice', '/topics'); // a round trip through the worker
    expect(received(app, 'telegram', 'alice', 'To be cancelled')).toHaveLength(0);
  });
});
