import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Feature } from '../../src/app/feature.ts';
import type { Db } from '../../src/db/database.ts';
import { exportMember, forgetMember } from '../../src/features/metrics/member-data.ts';
import { computeReport } from '../../src/features/metrics/report.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { startTestHearth, type TestHearth } from '../support/hearth.ts';

/** The fixed "now" of these tests; the week window is [2026-03-03T12:00Z, 2026-03-10T12:00Z). */
const NOW = new Date('2026-03-10T12:00:00Z');
const at = (iso: string) => new Date(`2026-${iso}Z`);

/** Seeds members, subscriptions, facts, votes and handoffs whose numbers are worked out by hand below. */
async function seed(db: Db): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const people: [string, string, string, string][] = [
    ['A', 'telegram', 'tA', '02-01T09:00:00'],
    ['B', 'telegram', 'tB', '03-05T09:00:00'],
    ['C', 'telegram', 'tC', '03-09T09:00:00'],
    ['D', 'discord', 'dD', '03-08T09:00:00'],
    ['O', 'slack', 'UOWNER', '03-09T09:00:00'],
    ['E', 'telegram', 'tE', '03-10T13:00:00'],
  ];
  for (const [name, platform, platformUserId, created] of people) {
    const member = await db.member.create({ data: { displayName: name, createdAt: at(created) } });
    await db.identity.create({
      data: {
        memberId: member.id,
        platform,
        platformUserId,
        dmChatId: platformUserId,
        createdAt: at(created),
      },
    });
    ids[name] = member.id;
  }
  const identityOf = async (m: string) =>
    (await db.identity.findFirstOrThrow({ where: { memberId: ids[m] } })).id;
  const subs: [string, string, string][] = [
    ['A', 'news', 'telegram'],
    ['B', 'news', 'telegram'],
    ['B', 'offers', 'telegram'],
    ['D', 'news', 'discord'],
  ];
  for (const [m, topic, platform] of subs) {
    await db.subscription.create({
      data: { memberId: ids[m] ?? '', topic, platform, identityId: await identityOf(m) },
    });
  }
  await db.topic.createMany({ data: [{ name: 'offers' }], skipDuplicates: true });
  await db.consentEvent.createMany({
    data: [
      {
        memberId: ids.B ?? null,
        topic: 'news',
        action: 'subscribe',
        platform: 'telegram',
        source: 'user',
        at: at('03-05T10:00:00'),
      },
      {
        memberId: ids.C ?? null,
        topic: 'news',
        action: 'unsubscribe',
        platform: 'telegram',
        source: 'user',
        at: at('03-09T18:00:00'),
      },
    ],
  });
  const fact = (
    type: string,
    platform: string,
    when: string,
    extra: { memberId?: string; value?: number; data?: object } = {},
  ) => ({
    type,
    platform,
    at: at(when),
    memberId: extra.memberId ?? null,
    value: extra.value ?? null,
    ...(extra.data ? { data: extra.data } : {}),
  });
  const times = (n: number, make: () => ReturnType<typeof fact>) => Array.from({ length: n }, make);
  await db.metricEvent.createMany({
    data: [
      fact('subscribed', 'telegram', '02-01T09:30:00', { data: { topic: 'news' } }), // before the window
      fact('subscribed', 'telegram', '03-05T10:00:00', { data: { topic: 'news' } }),
      fact('subscribed', 'telegram', '03-05T10:00:00', { data: { topic: 'offers' } }),
      fact('subscribed', 'discord', '03-08T10:00:00', { data: { topic: 'news' } }),
      fact('subscribed', 'telegram', '03-09T10:00:00', { data: { topic: 'news' } }),
      fact('unsubscribed', 'telegram', '03-09T18:00:00', { data: { topic: 'news' } }),
      fact('question_asked', 'telegram', '02-20T10:00:00'), // before the window
      ...times(5, () => fact('question_asked', 'telegram', '03-06T10:00:00')),
      ...times(2, () => fact('question_asked', 'discord', '03-06T10:00:00')),
      ...times(3, () => fact('question_answered', 'telegram', '03-06T10:00:00')),
      fact('question_answered', 'discord', '03-06T10:00:00'),
      ...times(2, () => fact('question_handed_off', 'telegram', '03-06T10:00:00')),
      fact('question_handed_off', 'discord', '03-06T10:00:00'),
      fact('delivery_sent', 'telegram', '03-07T10:00:00', { value: 10, data: { broadcastId: 'b1' } }),
      fact('delivery_sent', 'discord', '03-07T10:00:00', { value: 4, data: { broadcastId: 'b1' } }),
      fact('delivery_failed', 'telegram', '03-07T10:00:00', { value: 1, data: { broadcastId: 'b1' } }),
      ...times(2, () => fact('delivery_sent', 'telegram', '03-07T11:00:00')),
    ],
  });
  const vote = (m: string, pollId: string, optionIdx: number, platform: string, when: string) => ({
    memberId: ids[m] ?? '',
    pollId,
    optionIdx,
    platform,
    at: at(when),
  });
  await db.vote.createMany({
    data: [
      vote('A', 'P1', 0, 'telegram', '03-06T10:00:00'),
      vote('B', 'P1', 1, 'telegram', '03-06T10:00:00'),
      vote('D', 'P1', 0, 'discord', '03-07T10:00:00'),
      vote('A', 'P2', 0, 'telegram', '03-07T10:00:00'),
      vote('A', 'P2', 1, 'telegram', '03-07T10:00:00'),
      vote('B', 'P0', 0, 'telegram', '02-20T10:00:00'), // before the window
    ],
  });
  const handoff = (
    m: string,
    platform: string,
    question: string,
    created: string,
    answeredAfterMin?: number,
  ) => {
    const createdAt = at(created);
    return {
      memberId: ids[m] ?? '',
      platform,
      chatId: `chat-${m}`,
      question,
      createdAt,
      firstAnsweredAt:
        answeredAfterMin === undefined ? null : new Date(createdAt.getTime() + answeredAfterMin * 60_000),
    };
  };
  await db.handoff.createMany({
    data: [
      handoff('A', 'telegram', 'Where is my order?', '03-05T10:00:00', 10),
      handoff('D', 'discord', 'Can I pay by card?', '03-06T10:00:00', 30),
      handoff('B', 'telegram', 'Do you deliver?', '03-07T10:00:00', 120),
      handoff('A', 'telegram', 'Do you ship to Canada?', '03-08T10:00:00'),
      handoff('B', 'telegram', '  do you ship to canada? ', '03-09T10:00:00'),
      handoff('D', 'discord', 'Are you open on Sunday?', '03-09T11:00:00'),
      handoff('C', 'telegram', 'An old question', '02-25T10:00:00'),
    ],
  });
  return ids;
}

describe.each(TEST_DATABASES)('metrics reports and digests ($name)', (kind) => {
  let app: TestHearth;
  let db: Db;
  let ids: Record<string, string>;
  let metrics: Feature;

  beforeAll(async () => {
    const database = await kind.open();
    app = await startTestHearth({
      database,
      http: false,
      now: () => NOW,
      env: { DIGEST_DAILY_AT: '08:30', DIGEST_WEEKLY_DAY: 'tuesday', DIGEST_TIMEZONE: 'Europe/Berlin' },
    });
    db = app.hearth.services.db;
    ids = await seed(db);
    const found = app.hearth.features.find((f) => f.name === 'metrics');
    if (!found) throw new Error('metrics feature not installed');
    metrics = found;
  });
  afterAll(async () => app?.stop());

  it('computes the week per platform and in total, as worked out by hand', async () => {
    const report = await computeReport(db, { period: 'week', to: NOW, excludePlatform: 'slack' });
    expect(report.from).toEqual(new Date('2026-03-03T12:00:00Z'));
    const byPlatform = Object.fromEntries(report.platforms.map((p) => [p.platform, p]));
    expect(Object.keys(byPlatform).sort()).toEqual(['discord', 'telegram']);
    expect(byPlatform.telegram).toEqual({
      platform: 'telegram',
      members: 3,
      newMembers: 2,
      subscribers: 2,
      subscribed: 3,
      unsubscribed: 1,
      netGrowth: 2,
      questionsAsked: 5,
      answeredAutomatically: 3,
      handedOff: 2,
      askedBackNoPick: 0,
      broadcastDelivered: 10,
      broadcastFailed: 1,
      otherSent: 2,
      otherFailed: 0,
      pollVotes: 4,
      pollVoters: 2,
    });
    expect(byPlatform.discord).toEqual({
      platform: 'discord',
      members: 1,
      newMembers: 1,
      subscribers: 1,
      subscribed: 1,
      unsubscribed: 0,
      netGrowth: 1,
      questionsAsked: 2,
      answeredAutomatically: 1,
      handedOff: 1,
      askedBackNoPick: 0,
      broadcastDelivered: 4,
      broadcastFailed: 0,
      otherSent: 0,
      otherFailed: 0,
      pollVotes: 1,
      pollVoters: 1,
    });
    expect(report.totals).toMatchObject({
      members: 4,
      newMembers: 3,
      subscribers: 3,
      netGrowth: 3,
      questionsAsked: 7,
      answeredAutomatically: 4,
      handedOff: 3,
      broadcastDelivered: 14,
      broadcastFailed: 1,
      pollVotes: 5,
      pollVoters: 3,
    });
    expect(report.pollsVotedIn).toBe(2);
    expect(report.humanAnswered).toBe(3);
    expect(report.medianFirstHumanAnswerMs).toBe(30 * 60_000);
    expect(report.unansweredHandoffs).toBe(3);
    expect(report.topUnanswered).toEqual([
      { question: 'Do you ship to Canada?', count: 2 },
      { question: 'Are you open on Sunday?', count: 1 },
    ]);
    // Subscriptions at the end of each day from 03-04 12:00 to 03-10 12:00.
    expect(report.subscriberSeries).toEqual([1, 3, 3, 3, 4, 5, 4]);
  });

  it('computes the last day', async () => {
    const report = await computeReport(db, { period: 'day', to: NOW, excludePlatform: 'slack' });
    expect(report.totals).toMatchObject({
      members: 4,
      newMembers: 0,
      subscribed: 0,
      unsubscribed: 1,
      netGrowth: -1,
      questionsAsked: 0,
    });
    expect(report.unansweredHandoffs).toBe(0);
    expect(report.subscriberSeries).toEqual([4]);
  });

  it('posts daily and weekly digests once per occurrence, at the configured time and timezone', async () => {
    const jobs = metrics.jobs ?? [];
    expect(jobs.map((j) => [j.name, j.cron, j.timezone])).toEqual([
      ['metrics.daily-digest', '30 8 * * *', 'Europe/Berlin'],
      ['metrics.weekly-digest', '30 8 * * 2', 'Europe/Berlin'],
    ]);
    const [daily, weekly] = jobs;
    await daily?.run(NOW);
    await daily?.run(NOW); // a second run of the same occurrence enqueues nothing more
    await weekly?.run(NOW);
    const rows = await db.outbox.findMany({
      where: { dedupeKey: { startsWith: 'metrics:' } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => r.dedupeKey)).toEqual([
      `metrics:daily-digest:${NOW.toISOString()}`,
      `metrics:weekly-digest:${NOW.toISOString()}`,
      `metrics:weekly-digest:${NOW.toISOString()}:journey`,
      `metrics:weekly-digest:${NOW.toISOString()}:chart`,
    ]);
    expect(rows.every((r) => r.platform === 'slack' && r.chatId === '#owners')).toBe(true);
    const [daily0, weekly0, journey, chart] = rows.map(
      (r) => r.payload as { text: string; file?: { contentBase64: string; mimeType: string } },
    );
    const dailyText = daily0?.text;
    expect(dailyText).toContain('Hearth daily digest');
    expect(dailyText).toContain('Subscribers: 3 (net -1: +0 / -1)');
    const weeklyText = weekly0?.text;
    expect(weeklyText).toContain(
      'Questions: 7 asked = 4 answered automatically + 3 handed off + 0 asked back, no pick',
    );
    expect(weeklyText).toContain(
      'Handoffs: 3 answered (median first answer 30 min), 3 waiting, 0 resolved without a reply',
    );
    expect(weeklyText).toContain('Broadcasts: 14 delivered, 1 failed');
    expect(weeklyText).toContain('2× Do you ship to Canada?');
    expect(journey?.text).toMatch(/^The customer journey, last 7 days\nFunnel: visitor \d+ → audience/);
    expect(chart?.text).toContain('1, 3, 3, 3, 4, 5, 4');
    expect(chart?.file?.mimeType).toBe('image/png');
    expect(
      Buffer.from(chart?.file?.contentBase64 ?? '', 'base64')
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('exports everything about a member, then erases it leaving an anonymous tombstone', async () => {
    const B = ids.B ?? '';
    const exported = await exportMember(db, B);
    expect((exported.subscriptions as unknown[]).length).toBe(2);
    expect((exported.handoffs as unknown[]).length).toBe(2);
    expect((exported.pollVotes as unknown[]).length).toBe(2);
    expect((exported.consentLedger as unknown[]).length).toBe(1);
    const result = await forgetMember(db, B, NOW);
    expect(result).toMatchObject({ identities: 1, subscriptions: 2, handoffs: 2, votes: 2 });
    expect(await db.member.count({ where: { id: B } })).toBe(0);
    expect(await db.identity.count({ where: { platformUserId: 'tB' } })).toBe(0);
    expect(await db.subscription.count({ where: { memberId: B } })).toBe(0);
    expect(await db.consentEvent.count({ where: { memberId: B } })).toBe(0);
    const tombstones = await db.consentEvent.findMany({ where: { action: 'erase' } });
    expect(tombstones).toEqual([
      expect.objectContaining({ memberId: null, topic: '*', platform: 'telegram', source: 'owner' }),
    ]);
    // Growth numbers stay true: the erased subscriptions end with anonymous unsubscribed facts.
    const report = await computeReport(db, {
      period: 'day',
      to: new Date(NOW.getTime() + 1000),
      excludePlatform: 'slack',
    });
    expect(report.totals.unsubscribed).toBe(3);
    expect(report.subscriberSeries).toEqual([2]);
  });
});
