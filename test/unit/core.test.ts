import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADAPTER_SETTINGS } from '../../adapters/registry.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { Bot } from '../../src/core/bot.ts';
import { Composer, compose } from '../../src/core/composer.ts';
import { Context, type EnqueueRequest } from '../../src/core/context.ts';
import { UserFacingError } from '../../src/core/errors.ts';
import { type InboundEvent, parseCommand } from '../../src/core/events.ts';
import { backoffMs } from '../../src/delivery/backoff.ts';
import { SendRateLimiter } from '../../src/delivery/rate-limiter.ts';
import { CapturingLogger } from '../support/logger.ts';

function messageEvent(text: string, id = `e-${text}`): InboundEvent {
  const command = parseCommand(text);
  const base = {
    id,
    at: new Date(0),
    address: { platform: 'console' as const, chatId: 'chat' },
    sender: { userId: 'u1', isBot: false },
    isDirect: true,
  };
  return command ? { ...base, kind: 'command', ...command, text } : { ...base, kind: 'message', text };
}

function contextFor(event: InboundEvent, sent: EnqueueRequest[] = []) {
  return new Context(event, {
    log: new CapturingLogger(),
    enqueue: async (request) => {
      sent.push(request);
      return String(sent.length);
    },
  });
}

describe('parseCommand', () => {
  it.each([
    ['/subscribe news', { name: 'subscribe', args: 'news' }],
    ['/Subscribe@HearthBot  news  ', { name: 'subscribe', args: 'news' }],
    ['/topics', { name: 'topics', args: '' }],
    ['  /help me please', { name: 'help', args: 'me please' }],
    ['/hearth announce news\nline two', { name: 'hearth', args: 'announce news\nline two' }],
  ])('%j → %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each(['hello', '', '/', 'a /subscribe', '/ subscribe'])('%j is not a command', (text) => {
    expect(parseCommand(text)).toBeNull();
  });
});

describe('Composer', () => {
  it('runs middleware in order and stops where next() is not called', async () => {
    const order: string[] = [];
    const composer = new Composer<Context>()
      .use(async (_ctx, next) => {
        order.push('a');
        await next();
        order.push('a-after');
      })
      .command('subscribe', async () => void order.push('subscribe'))
      .use(async () => void order.push('never for /subscribe'));
    await composer.middleware()(contextFor(messageEvent('/subscribe news')), async () => {});
    expect(order).toEqual(['a', 'subscribe', 'a-after']);
  });

  it('routes by kind, command name, action id and pattern', async () => {
    const seen: string[] = [];
    const composer = new Composer<Context>()
      .hears(/^stop$/i, async () => void seen.push('stop'))
      .command(['start', 'help'], async (ctx) => void seen.push(`cmd:${ctx.event.name}`))
      .on('message', async (ctx) => void seen.push(`msg:${ctx.event.text}`));
    for (const text of ['STOP', '/help', '/start', 'hi there']) {
      await composer.middleware()(contextFor(messageEvent(text)), async () => {});
    }
    expect(seen).toEqual(['stop', 'cmd:help', 'cmd:start', 'msg:hi there']);
  });

  it('turns a middleware that throws synchronously into a rejection, after the layers before it ran', async () => {
    const order: string[] = [];
    const chain = new Composer<Context>()
      .use((_ctx, next) => {
        order.push('first');
        return next();
      })
      .filter(
        () => {
          throw new Error('predicate broke');
        },
        async () => void order.push('never'),
      )
      .middleware();
    const outcome = chain(contextFor(messageEvent('x')), async () => {});
    await expect(outcome).rejects.toThrow('predicate broke');
    expect(order).toEqual(['first']);
  });

  it('refuses next() called twice', async () => {
    const twice = compose<Context>([
      async (_ctx, next) => {
        await next();
        await next();
      },
    ]);
    await expect(twice(contextFor(messageEvent('x')), async () => {})).rejects.toThrow(/more than once/);
  });

  it('ctx.reply enqueues to the chat the event came from, with its id as correlation', async () => {
    const sent: EnqueueRequest[] = [];
    const ctx = contextFor(messageEvent('hi', 'evt-9'), sent);
    await ctx.reply('hello back');
    expect(sent).toEqual([
      expect.objectContaining({
        to: { platform: 'console', chatId: 'chat' },
        content: { text: 'hello back' },
        correlationId: 'evt-9',
      }),
    ]);
    expect(ctx.enqueued).toBe(1);
  });
});

describe('Bot.dispatch', () => {
  function bot(handler: (ctx: Context) => Promise<void>) {
    const seen = new Set<string>();
    const sent: EnqueueRequest[] = [];
    const log = new CapturingLogger();
    const b = new Bot<Context>({
      log,
      markProcessed: async (event) => !seen.has(event.id) && Boolean(seen.add(event.id)),
      createContext: (event) =>
        new Context(event, {
          log,
          enqueue: async (r) => {
            sent.push(r);
            return '1';
          },
        }),
    });
    b.use(handler);
    return { b, sent, log };
  }

  it('processes a redelivered event once and ignores bots', async () => {
    const { b, sent } = bot(async (ctx) => void (await ctx.reply('pong')));
    expect(await b.dispatch(messageEvent('ping', 'same'))).toEqual({ handled: true, enqueued: 1 });
    expect(await b.dispatch(messageEvent('ping', 'same'))).toEqual({ handled: false, enqueued: 0 });
    const fromBot = { ...messageEvent('ping', 'other'), sender: { userId: 'b', isBot: true } };
    expect(await b.dispatch(fromBot)).toEqual({ handled: false, enqueued: 0 });
    expect(sent).toHaveLength(1);
  });

  it('reports the event recorded once it is stored and before handlers run; never when storing fails', async () => {
    const steps: string[] = [];
    const { b } = bot(async () => void steps.push('handler'));
    await b.dispatch(messageEvent('hi', 'e1'), { recorded: () => steps.push('recorded') });
    await b.dispatch(messageEvent('hi', 'e1'), { recorded: () => steps.push('recorded again') });
    expect(steps).toEqual(['recorded', 'handler', 'recorded again']);

    const failing = new Bot<Context>({
      log: new CapturingLogger(),
      markProcessed: async () => {
        throw new Error('database down');
      },
      createContext: (event) => new Context(event, { log: new CapturingLogger(), enqueue: async () => '1' }),
    });
    let recorded = false;
    await expect(
      failing.dispatch(messageEvent('hi', 'e2'), {
        recorded: () => {
          recorded = true;
        },
      }),
    ).rejects.toThrow('database down');
    expect(recorded).toBe(false);
  });

  it('answers a user-facing error in plain words and a bug with an apology, logging only the bug', async () => {
    const { b, sent, log } = bot(async (ctx) => {
      if (ctx.event.kind === 'message' && ctx.event.text === 'bad') throw new UserFacingError('Try /help.');
      throw new Error('boom');
    });
    await b.dispatch(messageEvent('bad'));
    await b.dispatch(messageEvent('crash'));
    expect(sent.map((s) => s.content.text)).toEqual([
      'Try /help.',
      'Sorry, something went wrong on our side. Please try again later.',
    ]);
    expect(log.find('error', 'handler failed')).toHaveLength(1);
  });
});

describe('loadConfig', () => {
  it('applies defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.HEARTH_DATA_DIR).toBe('.hearth');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.HEARTH_TOPICS).toEqual(['news']);
  });

  it.each([
    [
      { PORT: 'eighty' },
      /^Invalid configuration: PORT: expected a whole number from 0 to 65535 \(got "eighty"\)$/,
    ],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/],
    [{ TELEGRAM_API_ROOT: 'not a url' }, /TELEGRAM_API_ROOT: expected the Bot API base URL/],
    [{ CONSOLE_ENABLED: 'maybe' }, /CONSOLE_ENABLED: expected true or false/],
    [{ TELEGRAM_WEBHOOK_SECRET: 'has spaces' }, /TELEGRAM_WEBHOOK_SECRET: expected 1-256 characters/],
  ])('%j is refused with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env, ADAPTER_SETTINGS)).toThrow(ConfigError);
    expect(() => loadConfig(env, ADAPTER_SETTINGS)).toThrow(message);
  });

  it('treats empty values as unset and parses lists', () => {
    const config = loadConfig({ DATABASE_URL: '', PORT: '', HEARTH_TOPICS: 'news, offers,,' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PORT).toBe(3000);
    expect(config.HEARTH_TOPICS).toEqual(['news', 'offers']);
  });
});

describe('backoffMs', () => {
  it('doubles per attempt within jitter bounds and caps', () => {
    expect(backoffMs(1, 1000, 300_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 300_000, () => 1)).toBe(1000);
    expect(backoffMs(4, 1000, 300_000, () => 1)).toBe(8000);
    expect(backoffMs(40, 1000, 300_000, () => 1)).toBe(300_000);
  });
});

describe('SendRateLimiter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A limiter of `perSecond` sends (overall and per chat) on vitest's fake clock and timers. */
  function onFakeTime(platform: 'telegram' | 'discord', perSecond: number) {
    vi.useFakeTimers();
    const limiter = new SendRateLimiter(() => Date.now());
    limiter.configure(platform, [
      { scope: 'account', limit: perSecond, windowMs: 1000 },
      { scope: 'chat', limit: perSecond, windowMs: 1000 },
    ]);
    return { limiter, start: Date.now() };
  }

  it('keeps under the platform and per-chat limits and honours a pause', async () => {
    let now = 1_000_000;
    const limiter = new SendRateLimiter(() => now);
    limiter.configure('telegram', [
      { scope: 'account', limit: 3, windowMs: 1000 },
      { scope: 'chat', limit: 1, windowMs: 1000 },
    ]);
    // Per chat: 1/s averaged over a 3 s window → 3 immediate sends, then a wait.
    expect([
      await limiter.acquire('telegram', 'a'),
      await limiter.acquire('telegram', 'a'),
      await limiter.acquire('telegram', 'a'),
    ]).toEqual([0, 0, 0]);
    expect(await limiter.acquire('telegram', 'a')).toBeGreaterThan(0);
    // Platform-wide 3/s is used up by now: another chat waits too.
    expect(await limiter.acquire('telegram', 'b')).toBeGreaterThan(0);
    // A paused chat waits exactly until the pause ends (by the injected clock).
    limiter.pause('telegram', 'c', 5000);
    expect(await limiter.acquire('telegram', 'c')).toBe(5000);
    now += 4000;
    expect(await limiter.acquire('telegram', 'c')).toBe(1000);
    // Platforms without configured limits are not held back.
    expect(await limiter.acquire('discord', 'x')).toBe(0);
  });

  it('paces departures evenly after a short burst, never more than the limit in a window', async () => {
    const { limiter, start } = onFakeTime('discord', 100);
    const departures: number[] = [];
    const sends = Array.from({ length: 250 }, () =>
      Promise.resolve(limiter.depart('discord')).then(() => departures.push(Date.now() - start)),
    );
    expect(limiter.rateOf('discord')).toBe(100);
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(sends);
    expect(departures).toHaveLength(250);
    // A burst of ten leaves at once; after it, never more than a burst at the same instant.
    expect(departures.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(departures[10]).toBeGreaterThanOrEqual(10);
    const atOnce = new Map<number, number>();
    for (const at of departures) atOnce.set(at, (atOnce.get(at) ?? 0) + 1);
    expect(Math.max(...atOnce.values())).toBeLessThanOrEqual(10);
    // Never more than the limit in any window of 1.005 s; on average one per 10.05 ms.
    for (let i = 0; i + 100 < departures.length; i++) {
      expect((departures[i + 100] ?? 0) - (departures[i] ?? 0)).toBeGreaterThanOrEqual(1005);
    }
    expect(departures.at(-1)).toBeGreaterThanOrEqual(240 * 10.05 - 1);
  });

  it('counts a send from when the platform answered it: a late one holds back the send a window later', async () => {
    const { limiter, start } = onFakeTime('telegram', 10);
    const first = await limiter.depart('telegram');
    for (let i = 1; i < 10; i++) await limiter.depart('telegram');
    // The first send's answer comes 300 ms later (it left late, or the platform was slow).
    await vi.advanceTimersByTimeAsync(300);
    limiter.landed('telegram', first);
    let eleventhAt = 0;
    const eleventh = Promise.resolve(limiter.depart('telegram')).then(() => {
      eleventhAt = Date.now() - start;
    });
    await vi.advanceTimersByTimeAsync(5_000);
    await eleventh;
    // Ten in the window: the eleventh waits a whole window after the first was answered, not sent.
    expect(eleventhAt).toBeGreaterThanOrEqual(300 + 1005);
  });
});
