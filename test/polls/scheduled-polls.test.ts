import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';
import { until } from '../support/until.ts';
import { owner, press, sentTo } from './helpers.ts';

const DAY = 86_400_000;

/** The first Monday 09:00 UTC after `from`. */
function nextMonday9(from: Date): Date {
  const at = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate(), 9, 0, 0));
  while (at.getUTCDay() !== 1 || at <= from) at.setUTCDate(at.getUTCDate() + 1);
  return at;
}

describe.each(TEST_DATABASES)('scheduled polls on the scheduler clock ($name)', (kind) => {
  let database: Database;
  let app: TestHearth;
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  /** Moves the fake clock to `at` (never backwards). */
  const travelTo = (at: Date) => {
    offsetMs = Math.max(offsetMs, at.getTime() - Date.now());
  };

  beforeAll(async () => {
    database = await kind.open();
    app = await startTestHearth({ database, now });
    await database.prisma.channel.create({
      data: { platform: 'console', chatId: '#weekly', name: 'weekly' },
    });
  });
  afterAll(async () => app?.stop());

  it('a weekly poll is posted every Monday 09:00, closes a day after each posting, results to the owners', async () => {
    const [reply] = await owner(
      app,
      '/hearth poll --now "Which cake this week?" "Lemon" "Chocolate" --to #weekly --at every monday 09:00 --closes 1d',
    );
    expect(reply).toMatch(
      /Poll "Which cake this week\?" scheduled Mondays at 09:00 UTC, next on Mon \d{1,2} [A-Z][a-z]{2}( \d{4})? \(schedule `[0-9a-f]{8}`/,
    );
    const schedule = await database.prisma.schedule.findFirstOrThrow({ where: { kind: 'poll' } });
    expect(schedule).toMatchObject({ cron: '0 9 * * 1', status: 'active' });
    expect(sentTo(app, 'console', '#weekly')).toHaveLength(0);

    const monday = nextMonday9(now());
    travelTo(new Date(monday.getTime() + 20_000));
    const posted = await until(
      () => sentTo(app, 'console', '#weekly').find((e) => e.text.includes('Which cake this week?')),
      'the first weekly poll',
    );
    const first = await database.prisma.poll.findFirstOrThrow({
      where: { question: 'Which cake this week?' },
    });
    expect(first.closesAt).toEqual(new Date(monday.getTime() + DAY));
    expect(first.createdAt).toEqual(monday);
    await until(
      () => sentTo(app, 'slack', '#owners').find((e) => e.text.includes('Scheduled poll')),
      'owner note',
    );
    const value = posted.buttons?.flat()[1]?.value ?? '';
    await press(app, { platform: 'console', userId: 'w1', chatId: '#weekly', value });

    travelTo(new Date(monday.getTime() + DAY + 61_000));
    const results = await until(
      () =>
        sentTo(app, 'slack', '#owners').find((e) => e.text.includes('Poll results: Which cake this week?')),
      'results of the first weekly poll',
    );
    expect(results.text).toContain('██████████ 100% (1)  Chocolate');

    travelTo(new Date(monday.getTime() + 7 * DAY + 20_000));
    await until(
      async () => (await database.prisma.poll.count({ where: { question: 'Which cake this week?' } })) === 2,
      'the second weekly poll',
    );
    const outbox = await database.prisma.outbox.count({
      where: { chatId: '#weekly', dedupeKey: { startsWith: 'poll:' } },
    });
    expect(outbox).toBe(2);
  });
});
