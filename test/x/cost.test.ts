import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { PlatformUsage } from '../../src/metrics/usage.ts';
import { FakeXApi } from '../fakes/x-api.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { until } from '../support/until.ts';
import { startXHearth, X_FAST_SENDS, X_OWNER, X_OWNERS, type XHearth, xUserId } from './harness.ts';

const PRICING = { platformName: 'X', unit: 'DMs', inboundUsd: 0.01, outboundUsd: 0.015 };

describe.each(TEST_DATABASES)('X usage and cost for the owners ($name)', (kind) => {
  let database: Database;
  let fake: FakeXApi;
  let t: XHearth;

  beforeAll(async () => {
    database = await kind.open();
    fake = await FakeXApi.start();
    t = await startXHearth(database, {
      fake,
      env: { ...X_FAST_SENDS, X_MONTHLY_BUDGET_USD: '0.10' },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('counts DM events read (once a day each) and DMs sent; /hearth stats shows them priced; the budget warns', async () => {
    const users = ['cost-ann', 'cost-bo', 'cost-cy'].map(xUserId);
    for (const user of users) fake.userSays(user, '/topics');
    for (const user of users) await t.replyTo(user, 'Topics:');
    // Polls go on: each poll re-reads the newest events, which X bills once a day only.
    const pollsSoFar = fake.calls.filter((c) => c.path === '/2/dm_events').length;
    await fake.waitFor(
      () => fake.calls.filter((c) => c.path === '/2/dm_events').length > pollsSoFar + 3,
      10_000,
      'more polls',
    );
    const sent = fake.calls.filter((c) => c.method === 'POST' && c.status === 201).length;
    const read = fake.distinctEventsRead.size;
    expect(read).toBe(6); // three questions and the three answers (own DMs are in the timeline)
    expect(fake.eventsRead).toBeGreaterThan(read);
    const usage = new PlatformUsage(database.prisma);
    const week = await until(
      async () => {
        const totals = await usage.total('x', PRICING, new Date(), 7);
        return totals.inbound === read && totals.outbound === sent ? totals : undefined;
      },
      'the usage counted',
      10_000,
    );
    expect(week.usd).toBeCloseTo(read * 0.01 + sent * 0.015, 6);

    const asked = await t.signer.slashCommand({ userId: X_OWNER, channelId: X_OWNERS, text: 'stats' });
    expect(asked.status).toBe(200);
    const line = `X: ${read} DMs in, ${sent} out, ≈ $${week.usd.toFixed(2)} this week`;
    await until(
      () => t.slack.messages(X_OWNERS).find((m) => m.text.includes(line)),
      `"${line}" in /hearth stats`,
      10_000,
    );
    // $0.105 of $0.10: the owners were told the budget is spent, once (an 80 % note may come first).
    const over = (m: { text: string }) =>
      m.text.includes('of the $0.10 monthly budget is spent') && m.text.includes('raise the monthly budget');
    await until(() => t.slack.messages(X_OWNERS).find(over), 'the budget note', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.slack.messages(X_OWNERS).filter(over)).toHaveLength(1);
  });

  it('stops broadcast DMs before they pass the monthly budget; replies to customers still go out', async () => {
    const fans = ['budget-ann', 'budget-bo'].map(xUserId);
    for (const fan of fans) {
      fake.userSays(fan, '/subscribe news');
      await t.replyTo(fan, "You're subscribed to news");
    }
    const asked = await t.signer.slashCommand({
      userId: X_OWNER,
      channelId: X_OWNERS,
      text: 'announce news Spring sale this weekend --now',
    });
    expect(asked.status).toBe(200);
    const reply = await until(
      () => t.slack.messages(X_OWNERS).find((m) => m.text.includes('is on its way')),
      'the announce reply',
      10_000,
    );
    expect(reply.text).toMatch(/X: 2 subscribers, .*passes the \$0\.10 monthly budget/);
    await until(
      () => t.slack.messages(X_OWNERS).find((m) => /\(done\): 2 recipients · sent 0 · failed 2/.test(m.text)),
      'the broadcast done with both refused',
      15_000,
    );
    for (const fan of fans) expect(fake.sent(fan).filter((m) => m.text.startsWith('Spring'))).toEqual([]);
    const [ann] = fans as [string];
    fake.userSays(ann, 'When are you open?');
    await t.replyTo(ann, "We're open Monday");
  });
});
