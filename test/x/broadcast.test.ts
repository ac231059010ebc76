import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeXApi } from '../fakes/x-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { startXHearth, X_OWNER, X_OWNERS, type XHearth, xUserId } from './harness.ts';

/** X's pace shrunk for the test: 10 DMs per second (X itself allows 15 per 15 minutes). */
const WINDOW = { X_SEND_WINDOW_LIMIT: '10', X_SEND_WINDOW_MS: '1000', X_SEND_DAILY_LIMIT: '1000000' };

describe.each(TEST_DATABASES)('a broadcast to X subscribers ($name)', (kind) => {
  let fake: FakeXApi;
  let t: XHearth;

  beforeAll(async () => {
    fake = await FakeXApi.start();
    t = await startXHearth(await kind.open(), { fake, env: { ...WINDOW, X_POLL_PAGE_SIZE: '100' } });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('is estimated (time at the send limits, cost) before it starts, paced at the window, with progress', async () => {
    const subscribers = Array.from({ length: 50 }, (_, i) => xUserId(`bc-${i}`));
    for (const user of subscribers) fake.userSays(user, '/subscribe news');
    for (const user of subscribers) await t.replyTo(user, "You're subscribed to news", 30_000);

    // The preview (before anything goes out) already says how long X will take and what it costs.
    const previewed = await t.signer.slashCommand({
      userId: X_OWNER,
      channelId: X_OWNERS,
      text: 'announce news Spring sale: 20% off all mugs this weekend',
    });
    expect(previewed.status).toBe(200);
    const preview = await until(
      () => t.slack.messages(X_OWNERS).find((m) => m.text.includes('Preview: broadcast to news')),
      'the preview',
      15_000,
    );
    expect(preview.text).toContain('X: 50 subscribers, about 5 s at its send limits, ≈ $0.75.');
    const springSends = () =>
      fake.calls.filter(
        (c) => c.method === 'POST' && String((c.body as { text?: string }).text).startsWith('Spring sale'),
      );
    expect(springSends()).toHaveLength(0);

    const asked = await t.signer.slashCommand({
      userId: X_OWNER,
      channelId: X_OWNERS,
      text: 'announce news Spring sale: 20% off all mugs this weekend --now',
    });
    expect(asked.status).toBe(200);
    const reply = await until(
      () => t.slack.messages(X_OWNERS).find((m) => m.text.includes('is on its way')),
      'the announce reply',
      15_000,
    );
    expect(reply.text).toContain('X: 50 subscribers, about 5 s at its send limits, ≈ $0.75.');

    for (const user of subscribers) await t.replyTo(user, 'Spring sale', 30_000);
    const sends = fake.calls
      .filter(
        (c) => c.method === 'POST' && String((c.body as { text?: string }).text).startsWith('Spring sale'),
      )
      .map((c) => c.at);
    expect(sends).toHaveLength(50);
    // At 10 per second, 50 DMs take at least four full windows from the first to the last.
    expect((sends.at(-1) ?? 0) - (sends[0] ?? 0)).toBeGreaterThanOrEqual(3_900);
    for (const user of subscribers)
      expect(fake.sent(user).filter((m) => m.text.startsWith('Spring'))).toHaveLength(1);
    await until(
      () =>
        t.slack
          .messages(X_OWNERS)
          .find((m) => /Broadcast \S+ to news \(done\): 50 recipients · sent 50 · failed 0/.test(m.text)),
      'the progress message at done',
      15_000,
    );
  });
});
