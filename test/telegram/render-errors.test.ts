import { TelegramError } from 'telegraf';
import { describe, expect, it } from 'vitest';
import { toCoreError } from '../../adapters/telegram/errors.ts';
import {
  CallbackCodec,
  escapeHtml,
  escapeMarkdownV2,
  inlineKeyboard,
  pollParts,
} from '../../adapters/telegram/render.ts';
import { PermanentError, RateLimitedError, TransientError } from '../../src/core/errors.ts';

const apiError = (error_code: number, description: string, parameters?: object) =>
  new TelegramError({ error_code, description, ...(parameters ? { parameters } : {}) });

describe('telegram errors → core errors', () => {
  it('maps each Bot API failure to what the outbox should do', () => {
    const limited = toCoreError(apiError(429, 'Too Many Requests: retry after 3', { retry_after: 3 }));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(3000);
    for (const gone of [
      'Forbidden: bot was blocked by the user',
      'Forbidden: user is deactivated',
      'Forbidden: bot was kicked from the supergroup chat',
    ]) {
      const error = toCoreError(apiError(403, gone));
      expect(error).toBeInstanceOf(PermanentError);
      expect((error as PermanentError).recipientGone).toBe(true);
    }
    const notFound = toCoreError(apiError(400, 'Bad Request: chat not found'));
    expect(notFound).toBeInstanceOf(PermanentError);
    expect((notFound as PermanentError).recipientGone).toBe(false);
    expect(toCoreError(apiError(502, 'Bad Gateway'))).toBeInstanceOf(TransientError);
    expect(toCoreError(apiError(401, 'Unauthorized'))).toBeInstanceOf(TransientError);
    expect(
      toCoreError(Object.assign(new Error('connect ECONNREFUSED'), { name: 'FetchError' })),
    ).toBeInstanceOf(TransientError);
  });
});

describe('telegram rendering', () => {
  it('inline keyboards keep callback_data within 64 bytes and round-trip it', () => {
    const codec = new CallbackCodec();
    const rows = inlineKeyboard(
      [
        [
          { actionId: 'poll:vote', label: 'Rye', value: '1' },
          { actionId: 'x', label: 'Site', url: 'https://example.com' },
        ],
        [{ actionId: 'a|b', label: 'Odd', value: 'é'.repeat(40) }],
      ],
      codec,
    );
    expect(rows[0]?.[0]).toEqual({ text: 'Rye', callback_data: 'poll:vote|1' });
    expect(rows[0]?.[1]).toEqual({ text: 'Site', url: 'https://example.com' });
    const odd = rows[1]?.[0] as { callback_data: string };
    expect(Buffer.byteLength(odd.callback_data)).toBeLessThanOrEqual(64);
    expect(codec.decode(odd.callback_data)).toEqual({ actionId: 'a|b', value: 'é'.repeat(40) });
    expect(codec.decode('plain')).toEqual({ actionId: 'plain' });
  });

  it('polls are trimmed to what sendPoll accepts', () => {
    const parts = pollParts({
      pollId: 'p',
      question: 'q'.repeat(400),
      options: Array.from({ length: 12 }, (_, i) => `${i}`.repeat(150)),
      multi: false,
      anonymous: false,
    });
    expect(parts.question.length).toBe(300);
    expect(parts.options).toHaveLength(10);
    expect(Math.max(...parts.options.map((o) => o.length))).toBe(100);
  });

  it('escapes markup for HTML and MarkdownV2', () => {
    expect(escapeHtml('<b>&</b>')).toBe('&lt;b&gt;&amp;&lt;/b&gt;');
    expect(escapeMarkdownV2('1.5 *bold* [x](y) _!')).toBe('1\\.5 \\*bold\\* \\[x\\]\\(y\\) \\_\\!');
  });
});
