import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import type { JourneyFeature } from '../../src/features/journey/index.ts';
import { instantOf, wallTimeAt } from '../../src/scheduler/zoned-time.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';
import { JOURNEY_FEATURES, memberIdOf, owner, press, say, sentTo } from './helpers.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TZ = 'Europe/Berlin';

/** The day after tomorrow at 12:00 in Berlin, and that day + n at hh:mm. */
function berlin(dayOffset: number, hour: number, minute = 0): Date {
  const wall = wallTimeAt(new Date(Date.now() + 2 * DAY), TZ);
  const day = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + dayOffset));
  return instantOf(
    { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour, minute },
    TZ,
  );
}

describe.each(TEST_DATABASES)('welcome series with an injected clock ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const setClock = (at: Date) => {
    offset = at.getTime() - Date.now();
  };
  const series = () => (app.hearth.features.find((f) => f.name === 'journey') as JourneyFeature).series;
  const texts = (platform: 'telegram' | 'discord' | 'x', chat: string) =>
    sentTo(app, platform, chat).map((e) => e.text);

  beforeAll(async () => {
    database = await kind.open();
    setClock(berlin(0, 12));
    app = await startTestHearth({
      database,
      env: { HEARTH_TOPICS: 'news', SCHEDULE_TIMEZONE: TZ, MARKETING_RESTRAINT: 'true' },
      features: JOURNEY_FEATURES,
      now,
    });
    await owner(app, 'restraint cap 10');
  });
  afterAll(async () => app?.stop());

  it('owners create a series with steps; members get step 1 on subscribing, on every platform', async () => {
    expect(await owner(app, 'series create welcome news')).toContain('Series welcome created for news');
    expect(await owner(app, 'series create other nosuchtopic')).toContain('Say which topic');
    expect(
      await owner(
        app,
        'series step welcome on-subscribe Welcome to the bakery! [Our menu](https://example.com/menu)',
      ),
    ).toBe('Step 1 of welcome: on subscribe.');
    expect(await owner(app, 'series step welcome +3d Did you know we bake sourdough?')).toBe(
      'Step 2 of welcome: +3 days.',
    );
    expect(await owner(app, 'series step welcome +10d Come to our tasting evening.')).toBe(
      'Step 3 of welcome: +10 days.',
    );
    expect(await owner(app, 'series step welcome +1d Too early')).toContain('Steps go in order');

    await say(app, 'telegram', 'alice', '/subscribe news');
    await say(app, 'x', 'xena', '/subscribe news');
    const [welcome] = await until(
      () => sentTo(app, 'telegram', 'alice').filter((e) => e.text === 'Welcome to the bakery!'),
      'alice step 1',
    );
    expect(welcome?.buttons?.[0]?.[0]).toMatchObject({ actionId: 'series.link', label: 'Our menu' });
    await until(
      () => texts('x', 'xena').includes('Welcome to the bakery!\nOur menu: https://example.com/menu'),
      'xena step 1, the link in the text',
    );
    const value = welcome?.buttons?.[0]?.[0]?.value ?? '';
    expect(await press(app, 'telegram', 'alice', 'series.link', value)).toBe(
      'Our menu: https://example.com/menu',
    );
  });

  it('later steps go at 10:00 local time on their day, not before; edits reach who has not got there', async () => {
    setClock(berlin(3, 9, 59));
    expect(await series().sendDue()).toBe(0);
    setClock(berlin(3, 10, 0));
    expect(await series().sendDue()).toBe(2);
    expect(await series().sendDue()).toBe(0);
    await until(() => texts('telegram', 'alice').includes('Did you know we bake sourdough?'), 'alice step 2');
    await until(() => texts('x', 'xena').includes('Did you know we bake sourdough?'), 'xena step 2');

    expect(await owner(app, 'series edit welcome 3 Come to our tasting evening on Friday!')).toContain(
      'Members who have not reached it yet get the new version',
    );
    // STOP ends the series at once: xena gets no step 3.
    await say(app, 'x', 'xena', 'STOP');
    const xena = await memberIdOf(app, 'x', 'xena');
    expect(
      (await database.prisma.seriesEnrollment.findFirstOrThrow({ where: { memberId: xena } })).status,
    ).toBe('stopped');
    setClock(berlin(10, 10, 1));
    expect(await series().sendDue()).toBe(1);
    await until(
      () => texts('telegram', 'alice').includes('Come to our tasting evening on Friday!'),
      'alice gets the edited step 3',
    );
    expect(texts('x', 'xena')).not.toContain('Come to our tasting evening on Friday!');
    const alice = await memberIdOf(app, 'telegram', 'alice');
    expect(
      (await database.prisma.seriesEnrollment.findFirstOrThrow({ where: { memberId: alice } })).status,
    ).toBe('finished');
  });

  it('re-subscribing does not restart a series; /hearth series preview shows reach, clicks and opt-outs', async () => {
    await say(app, 'telegram', 'alice', '/unsubscribe news');
    await say(app, 'telegram', 'alice', '/subscribe news');
    await say(app, 'x', 'xena', '/subscribe news');
    expect(await series().sendDue()).toBe(0);
    expect(texts('telegram', 'alice').filter((t) => t === 'Welcome to the bakery!')).toHaveLength(1);
    expect(texts('x', 'xena').filter((t) => t.startsWith('Welcome to the bakery!'))).toHaveLength(1);
    await until(
      async () =>
        (await database.prisma.outbox.count({
          where: { dedupeKey: { startsWith: 'series:' }, status: 'sent' },
        })) === 5,
      'all series messages sent',
    );
    const preview = await owner(app, 'series preview welcome');
    expect(preview).toContain('Series welcome for news (active):');
    expect(preview).toContain(
      '1. on subscribe: Welcome to the bakery!\n   [Our menu] https://example.com/menu\n   reached 2 · clicks 1 · opted out after it 0',
    );
    expect(preview).toContain(
      '2. +3 days: Did you know we bake sourdough?\n   reached 2 · clicks 0 · opted out after it 1',
    );
    expect(preview).toContain(
      '3. +10 days: Come to our tasting evening on Friday!\n   reached 1 · clicks 0 · opted out after it 0',
    );
  });

  it('a paused series sends nothing until it resumes; quiet hours hold step 1', async () => {
    expect(await owner(app, 'series pause welcome')).toContain('paused');
    await say(app, 'discord', 'bob', '/subscribe news');
    expect(await series().sendDue()).toBe(0);
    expect(texts('discord', 'bob').filter((t) => t.startsWith('Welcome'))).toHaveLength(0);
    expect(await owner(app, 'series resume welcome')).toContain('resumes');
    await until(() => texts('discord', 'bob').includes('Welcome to the bakery!'), 'bob step 1 after resume');
    // At 23:00 a new member's "on subscribe" step waits for the end of quiet hours.
    setClock(berlin(11, 23, 0));
    await say(app, 'discord', 'dora', '/subscribe news');
    const dora = await memberIdOf(app, 'discord', 'dora');
    const held = await until(
      () =>
        database.prisma.outbox.findFirst({ where: { memberId: dora, dedupeKey: { startsWith: 'series:' } } }),
      'dora step 1 enqueued',
    );
    expect(held.status).toBe('pending');
    expect(held.availableAt.getTime()).toBe(berlin(12, 9, 0).getTime());
    expect(await owner(app, 'series')).toMatch(
      /^Welcome series:\nwelcome \(topic news, active\): 3 step\(s\); members in it 2, finished 1, stopped 1$/,
    );
  });
});
