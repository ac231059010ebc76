import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeXApi } from '../fakes/x-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { startXHearth, X_FAST_SENDS, X_OWNERS, type XHearth, xUserId } from './harness.ts';

describe('X 24-hour send quota', () => {
  let fake: FakeXApi;
  let t: XHearth;

  beforeAll(async () => {
    const kind = TEST_DATABASES[0];
    if (!kind) throw new Error('no database');
    fake = await FakeXApi.start();
    t = await startXHearth(await kind.open(), { fake, env: X_FAST_SENDS });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('warns the owners when X reports the daily quota nearly used up, and waits after a usage cap', async () => {
    fake.setDailySends(1440, 1430);
    const ann = xUserId('quota-ann');
    fake.userSays(ann, '/topics');
    await t.replyTo(ann, 'Topics:');
    const note = await until(
      () => t.slack.messages(X_OWNERS).find((m) => m.text.includes('DMs X allows per 24 hours')),
      'the quota note',
      10_000,
    );
    expect(note.text).toContain('only 9 of the 1440');
    const stored = await t.app.hearth.services.db.adapterState.findFirst({
      where: { platform: 'x', key: 'daily-send-quota' },
    });
    expect(stored?.value).toMatchObject({ limit: 1440, remaining: 9 });

    // X refuses with its 24-hour cap: nothing more goes out until the reset it names.
    const bo = xUserId('quota-bo');
    fake.failNext({ kind: 'daily-cap', retryAfterSeconds: 3600 }, { method: 'POST', path: `/with/${bo}/` });
    fake.userSays(bo, '/topics');
    await fake.waitFor(
      () => fake.calls.find((c) => c.method === 'POST' && c.path.includes(bo) && c.status === 429),
      10_000,
      'the capped send',
    );
    const row = await until(
      () =>
        t.app.hearth.services.db.outbox.findFirst({
          where: { platform: 'x', chatId: bo, status: 'pending', lastError: { not: null } },
        }),
      'the row waiting for the reset',
      10_000,
    );
    expect(row.lastError).toContain('24-hour DM quota used up');
    expect(row.availableAt.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
  });
});
