import { describe, expect, it } from 'vitest';
import { sendsPerSecond } from '../../src/core/adapter.ts';
import { RateLimitedError } from '../../src/core/errors.ts';
import { SendRateLimiter } from '../../src/delivery/rate-limiter.ts';

const MINUTE = 60_000;
const X_WINDOWS = [
  { scope: 'account', limit: 15, windowMs: 15 * MINUTE },
  { scope: 'account', limit: 1440, windowMs: 24 * 60 * MINUTE },
] as const;

/** Sends granted right now for `chats` distinct chats. */
async function grantedNow(limiter: SendRateLimiter, count: number, prefix = 'c'): Promise<number> {
  let granted = 0;
  for (let i = 0; i < count; i++) if ((await limiter.acquire('x', `${prefix}-${i}`)) === 0) granted++;
  return granted;
}

describe('rate limits as windows', () => {
  it('expresses rates below one a second (X: 15 per 15 minutes is one a minute)', () => {
    expect(sendsPerSecond(X_WINDOWS)).toBeCloseTo(1 / 60, 6);
    expect(sendsPerSecond([{ scope: 'chat', limit: 1, windowMs: 1000 }])).toBeUndefined();
    const limiter = new SendRateLimiter(() => 0);
    limiter.configure('x', X_WINDOWS);
    expect(limiter.rateOf('x')).toBeCloseTo(1 / 60, 6);
    expect(limiter.longestWindowMs('x')).toBe(24 * 60 * MINUTE);
  });

  it('never lets more than 15 go in 15 minutes, nor more than 1,440 in a day', async () => {
    let now = 10 * 24 * 60 * MINUTE;
    const limiter = new SendRateLimiter(() => now);
    limiter.configure('x', X_WINDOWS);
    let sent = 0;
    const sentAt: number[] = [];
    // Two days, asking every 10 seconds: each grant is one DM sent.
    for (let t = 0; t < 2 * 24 * 60 * 6; t++) {
      if ((await limiter.acquire('x', `chat-${t}`)) === 0) {
        sent++;
        sentAt.push(now);
      }
      now += 10_000;
    }
    for (let i = 0; i + 15 < sentAt.length; i++) {
      expect((sentAt[i + 15] ?? 0) - (sentAt[i] ?? 0)).toBeGreaterThanOrEqual(15 * MINUTE);
    }
    for (let i = 0; i + 1440 < sentAt.length; i++) {
      expect((sentAt[i + 1440] ?? 0) - (sentAt[i] ?? 0)).toBeGreaterThanOrEqual(24 * 60 * MINUTE);
    }
    expect(sent).toBeGreaterThan(2 * 1400); // and it does use the quota
  });

  it('counts the sends of an earlier run: a restart cannot send a second burst', async () => {
    let now = 1_000_000_000;
    const first = new SendRateLimiter(() => now);
    first.configure('x', X_WINDOWS);
    expect(await grantedNow(first, 20)).toBe(10); // a burst, then one a minute
    const restarted = new SendRateLimiter(() => now + 1000);
    restarted.configure('x', X_WINDOWS);
    restarted.prime(
      'x',
      Array.from({ length: 15 }, (_, i) => now - i * 1000),
    );
    now += 1000;
    expect(await grantedNow(restarted, 20, 'after')).toBe(0);
    const waited = await restarted.acquire('x', 'later');
    expect(waited).toBeGreaterThan(0);
  });

  it('a 429 pauses its scope: chat and route the chat, account and global the platform', () => {
    const limiter = new SendRateLimiter(() => 0);
    limiter.configure('telegram', [{ scope: 'account', limit: 30, windowMs: 1000 }]);
    for (const [scope, platformWide] of [
      ['chat', false],
      ['route', false],
      ['account', true],
      ['global', true],
    ] as const) {
      expect(new RateLimitedError(1000, 'x', scope).pausesPlatform).toBe(platformWide);
    }
    limiter.pause('telegram', 'a', 5000);
    expect(limiter.pausedWait('telegram', 'a')).toBe(5000);
    expect(limiter.pausedWait('telegram', 'b')).toBe(0);
    limiter.pause('telegram', null, 2000);
    expect(limiter.pausedWait('telegram', 'b')).toBe(2000);
    expect(limiter.isPaused('telegram')).toBe(true);
  });
});
