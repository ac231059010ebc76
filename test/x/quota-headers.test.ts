import { describe, expect, it } from 'vitest';
import { msUntilReset } from '../../adapters/x/errors.ts';
import { compareIds } from '../../adapters/x/normalize.ts';
import { readQuotaWait, snowflakeAt } from '../../adapters/x/polling.ts';
import { snowflakeAt as fakeSnowflakeAt } from '../fakes/x-api.ts';

const date = (ms: number) => new Date(ms).toUTCString();

describe('X rate-limit headers and ids', () => {
  it('measures a reset against the answer’s own date header (a skewed local clock does not matter)', () => {
    const server = Date.UTC(2026, 11, 3, 12, 0, 0);
    const headers = { date: date(server), 'x-rate-limit-reset': String(server / 1000 + 42) };
    expect(msUntilReset(headers, 'x-rate-limit-reset', server - 3_600_000)).toBe(42_000);
    expect(msUntilReset({ 'x-rate-limit-reset': 'soon' }, 'x-rate-limit-reset')).toBeUndefined();
  });

  it('never polls faster than the read quota X reports: its window spread over what is left', () => {
    const server = Date.UTC(2026, 11, 3, 12, 0, 0);
    const window = (remaining: number) => ({
      date: date(server),
      'x-rate-limit-reset': String(server / 1000 + 900),
      'x-rate-limit-remaining': String(remaining),
    });
    expect(readQuotaWait(window(15))).toBe(60_000);
    expect(readQuotaWait(window(1))).toBe(900_000);
    expect(readQuotaWait(window(0))).toBe(900_000);
    expect(readQuotaWait({})).toBe(0);
  });

  it('compares ids as big integers (beyond 2^53) and makes "now" the way X makes ids', () => {
    expect(compareIds('2128540104996683777', '2128540104996683776')).toBe(1);
    expect(compareIds('9', '10')).toBe(-1);
    expect(Number('2128540104996683777') === Number('2128540104996683776')).toBe(true);
    const now = Date.now();
    expect(snowflakeAt(now)).toBe(String(fakeSnowflakeAt(now)));
  });
});
