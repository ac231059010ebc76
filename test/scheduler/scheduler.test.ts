import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import type { SystemJob } from '../../src/scheduler/system-job.ts';
import { TEST_DATABASES } from '../support/databases.ts';
import { createSchedule, FakeClock, type Firing, openTwins, testScheduler } from './helpers.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe.each(TEST_DATABASES)('Scheduler with a fake clock ($name)', (kind) => {
  let a: Database;
  let b: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    [a, b, close] = await openTwins(kind.name, kind.open);
  });
  afterAll(async () => close?.());
  beforeEach(async () => {
    await a.prisma.scheduleRun.deleteMany();
    await a.prisma.schedule.deleteMany();
  });

  /** Ticks every `stepMs` from the clock's time up to `until`. */
  async function run(tick: () => Promise<void>, clock: FakeClock, until: string, stepMs: number) {
    while (clock.now() < new Date(until)) {
      clock.advance(stepMs);
      await tick();
    }
  }

  it('fires a weekly Monday 09:00 Europe/Berlin schedule at 09:00 local on both sides of DST', async () => {
    const clock = new FakeClock(new Date('2026-03-20T00:00:00Z'));
    const fired: Firing[] = [];
    const { scheduler } = testScheduler(a, clock, fired, { graceMs: 90 * MINUTE });
    const s = await createSchedule(scheduler, { kind: 'cron', cron: '0 9 * * 1', timezone: 'Europe/Berlin' });
    await run(() => scheduler.tick(), clock, '2026-04-08T00:00:00Z', HOUR);
    expect(fired.map((f) => f.occurrence)).toEqual([
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-04-06T07:00:00.000Z',
    ]);
    const runs = await a.prisma.scheduleRun.findMany({ where: { scheduleId: s.id } });
    expect(runs.map((r) => r.outcome)).toEqual(['fired', 'fired', 'fired']);
  });

  it('fires a daily 02:30 Europe/Berlin schedule once, at 03:00, on the spring-forward day', async () => {
    const clock = new FakeClock(new Date('2026-03-27T12:00:00Z'));
    const fired: Firing[] = [];
    const { scheduler } = testScheduler(a, clock, fired, { graceMs: HOUR });
    await createSchedule(scheduler, { kind: 'cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' });
    await run(() => scheduler.tick(), clock, '2026-03-30T12:00:00Z', 20 * MINUTE);
    expect(fired.map((f) => f.occurrence)).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('fires a one-off at its time, once, then marks it done', async () => {
    const clock = new FakeClock(new Date('2026-05-01T10:00:00Z'));
    const fired: Firing[] = [];
    const { scheduler } = testScheduler(a, clock, fired);
    const s = await createSchedule(scheduler, {
      kind: 'once',
      runAt: new Date('2026-05-01T10:10:00Z'),
      timezone: 'UTC',
    });
    clock.set('2026-05-01T10:09:59Z');
    await scheduler.tick();
    expect(fired).toEqual([]);
    clock.set('2026-05-01T10:10:00Z');
    await scheduler.tick();
    clock.advance(MINUTE);
    await scheduler.tick();
    expect(fired.map((f) => f.occurrence)).toEqual(['2026-05-01T10:10:00.000Z']);
    expect((await a.prisma.schedule.findUniqueOrThrow({ where: { id: s.id } })).status).toBe('done');
    // Work done inside the claim's transaction committed with it.
    expect(await a.prisma.metricEvent.count({ where: { type: 'test_fired' } })).toBeGreaterThan(0);
  });

  it('claims each occurrence once when two schedulers (two instances) tick at the same moments', async () => {
    const clock = new FakeClock(new Date('2026-06-01T00:00:30Z'));
    const fired: Firing[] = [];
    const one = testScheduler(a, clock, fired);
    const two = testScheduler(b, clock, fired);
    await createSchedule(one.scheduler, { kind: 'cron', cron: '* * * * *', timezone: 'UTC' });
    await createSchedule(one.scheduler, {
      kind: 'once',
      runAt: new Date('2026-06-01T00:05:00Z'),
      timezone: 'UTC',
    });
    for (let i = 0; i < 12; i++) {
      clock.advance(MINUTE);
      await Promise.all([one.scheduler.tick(), two.scheduler.tick(), one.scheduler.tick()]);
    }
    const keys = fired.map((f) => `${f.scheduleId}@${f.occurrence}`);
    expect(keys).toHaveLength(13); // 12 minutes + the one-off
    expect(new Set(keys).size).toBe(13);
    expect(await a.prisma.scheduleRun.count()).toBe(13);
  });

  it('runs a system job once per occurrence across two schedulers', async () => {
    const clock = new FakeClock(new Date('2026-06-01T00:00:30Z'));
    const runs: string[] = [];
    const job = (): SystemJob => ({
      name: 'test.every-minute',
      cron: '* * * * *',
      timezone: 'UTC',
      run: async (occurrence) => {
        runs.push(occurrence.toISOString());
      },
    });
    const one = testScheduler(a, clock, [], { jobs: [job()] });
    const two = testScheduler(b, clock, [], { jobs: [job()] });
    // Started (first check) at 00:00:30: a job's first start owes nothing from before it.
    await Promise.all([one.scheduler.tick(), two.scheduler.tick()]);
    for (let i = 0; i < 5; i++) {
      clock.advance(MINUTE);
      await Promise.all([one.scheduler.tick(), two.scheduler.tick()]);
    }
    await Promise.all([one.scheduler.stop(), two.scheduler.stop()]);
    expect(runs).toHaveLength(5);
    expect(new Set(runs).size).toBe(5);
    expect(await a.prisma.scheduleRun.count({ where: { scheduleId: 'system:test.every-minute' } })).toBe(5);
  });

  it('sends a missed occurrence late within the grace period, and skips and reports beyond it', async () => {
    const clock = new FakeClock(new Date('2026-07-01T08:00:00Z'));
    const fired: Firing[] = [];
    const first = testScheduler(a, clock, fired);
    const s = await createSchedule(first.scheduler, { kind: 'cron', cron: '0 9 * * *', timezone: 'UTC' });
    // All instances down at 09:00; one starts at 09:10 (10 min late, grace 15): sent.
    clock.set('2026-07-01T09:10:00Z');
    const second = testScheduler(a, clock, fired);
    await second.scheduler.tick();
    expect(fired.map((f) => f.occurrence)).toEqual(['2026-07-01T09:00:00.000Z']);
    // Down again for three days; back at 09:30 on the 4th: 2nd, 3rd and 4th are missed (30 min late).
    clock.set('2026-07-04T09:30:00Z');
    const third = testScheduler(a, clock, fired);
    await third.scheduler.tick();
    expect(fired).toHaveLength(1);
    const skipped = await a.prisma.scheduleRun.findMany({ where: { scheduleId: s.id, outcome: 'skipped' } });
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.occurrence.toISOString()).toBe('2026-07-04T09:00:00.000Z');
    expect(skipped[0]?.note).toMatch(/missed 3 occurrences from 2026-07-02T09:00:00.000Z/);
    expect(third.reports).toEqual([expect.stringMatching(/skipped/)]);
    // Back to normal the next day.
    clock.set('2026-07-05T09:00:01Z');
    await third.scheduler.tick();
    expect(fired.map((f) => f.occurrence)).toContain('2026-07-05T09:00:00.000Z');
  });

  it('after a short outage sends only the most recent missed occurrence; older ones are skipped', async () => {
    const clock = new FakeClock(new Date('2026-07-10T12:00:00Z'));
    const fired: Firing[] = [];
    const first = testScheduler(a, clock, fired);
    const s = await createSchedule(first.scheduler, { kind: 'cron', cron: '*/5 * * * *', timezone: 'UTC' });
    clock.set('2026-07-10T12:12:00Z');
    const later = testScheduler(a, clock, fired);
    await later.scheduler.tick();
    expect(fired.map((f) => f.occurrence)).toEqual(['2026-07-10T12:10:00.000Z']);
    const runs = await a.prisma.scheduleRun.findMany({
      where: { scheduleId: s.id },
      orderBy: { occurrence: 'asc' },
    });
    expect(runs.map((r) => [r.occurrence.toISOString(), r.outcome])).toEqual([
      ['2026-07-10T12:05:00.000Z', 'skipped'],
      ['2026-07-10T12:10:00.000Z', 'fired'],
    ]);
  });

  it('skips a one-off missed by more than the grace period and marks it done', async () => {
    const clock = new FakeClock(new Date('2026-08-01T10:00:00Z'));
    const fired: Firing[] = [];
    const first = testScheduler(a, clock, fired);
    const s = await createSchedule(first.scheduler, {
      kind: 'once',
      runAt: new Date('2026-08-01T10:30:00Z'),
      timezone: 'UTC',
    });
    clock.set('2026-08-01T12:00:00Z');
    const later = testScheduler(a, clock, fired);
    await later.scheduler.tick();
    expect(fired).toEqual([]);
    expect(later.reports).toHaveLength(1);
    expect((await a.prisma.schedule.findUniqueOrThrow({ where: { id: s.id } })).status).toBe('done');
  });

  it('does not fire while paused, and does not backfill the pause after resume', async () => {
    const clock = new FakeClock(new Date('2026-09-01T08:00:00Z'));
    const fired: Firing[] = [];
    const { scheduler } = testScheduler(a, clock, fired);
    const s = await createSchedule(scheduler, { kind: 'cron', cron: '0 9 * * *', timezone: 'UTC' });
    await scheduler.store.setStatus(s.id, 'paused', ['active']);
    scheduler.changed();
    clock.set('2026-09-01T09:00:05Z');
    await scheduler.tick();
    clock.set('2026-09-01T09:05:00Z');
    expect(await scheduler.store.setStatus(s.id, 'active', ['paused'])).toBe(true);
    scheduler.changed();
    await scheduler.tick();
    expect(fired).toEqual([]);
    clock.set('2026-09-02T09:00:00Z');
    await scheduler.tick();
    expect(fired.map((f) => f.occurrence)).toEqual(['2026-09-02T09:00:00.000Z']);
  });

  it('leaves a schedule of a kind no feature handles unclaimed, with one warning', async () => {
    const clock = new FakeClock(new Date('2026-10-01T08:00:00Z'));
    const { scheduler, log } = testScheduler(a, clock, []);
    await scheduler.store.create({
      kind: 'unknown-kind',
      when: { kind: 'once', runAt: new Date('2026-10-01T08:01:00Z'), timezone: 'UTC' },
      payload: {},
    });
    scheduler.changed();
    clock.advance(2 * MINUTE);
    await scheduler.tick();
    await scheduler.tick();
    expect(await a.prisma.scheduleRun.count()).toBe(0);
    expect(log.find('warn', 'no feature handles "unknown-kind"')).toHaveLength(1);
  });
});
