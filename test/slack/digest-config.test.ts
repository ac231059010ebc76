import { describe, expect, it } from 'vitest';
import type { Services } from '../../src/app/context.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { digestJobs } from '../../src/features/metrics/digests.ts';
import { sparkline } from '../../src/features/metrics/render.ts';
import { median } from '../../src/features/metrics/report.ts';

const jobsFor = (env: Record<string, string>) =>
  digestJobs({ config: loadConfig(env) } as unknown as Services).map((j) => [j.name, j.cron, j.timezone]);

describe('digest settings', () => {
  it('defaults to 09:00 UTC daily and Monday weekly', () => {
    expect(jobsFor({})).toEqual([
      ['metrics.daily-digest', '0 9 * * *', 'UTC'],
      ['metrics.weekly-digest', '0 9 * * 1', 'UTC'],
    ]);
  });

  it('can turn either digest off', () => {
    expect(jobsFor({ DIGEST_DAILY_AT: 'off', DIGEST_WEEKLY_DAY: 'Friday' })).toEqual([
      ['metrics.weekly-digest', '0 9 * * 5', 'UTC'],
    ]);
    expect(jobsFor({ DIGEST_DAILY_AT: '18:45', DIGEST_WEEKLY_DAY: 'off' })).toEqual([
      ['metrics.daily-digest', '45 18 * * *', 'UTC'],
    ]);
  });

  it('refuses a bad time, day or timezone, naming the variable', () => {
    for (const [name, value] of [
      ['DIGEST_DAILY_AT', '25:00'],
      ['DIGEST_WEEKLY_DAY', 'someday'],
      ['DIGEST_TIMEZONE', 'Mars/Olympus'],
    ] as const) {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(name);
    }
  });
});

describe('report helpers', () => {
  it('draws a sparkline and takes medians', () => {
    expect(sparkline([1, 3, 3, 3, 4, 5, 4])).toBe('▁▅▅▅▆█▆');
    expect(sparkline([2, 2])).toBe('▄▄');
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
