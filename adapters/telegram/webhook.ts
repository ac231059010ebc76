import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Logger } from '../../src/core/log.ts';
import type { RawHandler } from '../../src/http/routes.ts';

/** Telegram posts updates with this header carrying the secret_token given to setWebhook. */
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** The route path for a public webhook URL (`https://bot.example.com/telegram/hook` → `/telegram/hook`). */
export function webhookPath(publicUrl: string): string {
  const path = new URL(publicUrl).pathname;
  return path === '/' || path === '' ? '/telegram/webhook' : path;
}

function sameSecret(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Only objects with a numeric update_id are updates (telegraf builds its context before any check). */
function isUpdate(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Number.isSafeInteger((value as { update_id?: unknown }).update_id)
  );
}

/**
 * A raw HTTP handler for Telegram's webhook (the server has read the body within its limits):
 * refuses (401, warning logged) any request without the right secret token, answers 400 to a body
 * that is not a JSON update, and 200 once the update was handled. When handling fails (database
 * down) it answers 500 so Telegram redelivers.
 */
export function webhookHandler(options: {
  secret: string;
  log: Logger;
  ready(): boolean;
  handle(update: unknown): Promise<void>;
}): RawHandler {
  const { secret, log } = options;
  const end = (res: ServerResponse, status: number, body = '') => {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body);
  };
  return (req, res, body) => {
    if (!sameSecret(req.headers[SECRET_HEADER], secret)) {
      log.warn(
        { remote: req.socket.remoteAddress, hasToken: req.headers[SECRET_HEADER] !== undefined },
        'telegram webhook refused: missing or wrong secret token',
      );
      return end(res, 401, 'unauthorized');
    }
    if (!options.ready()) return end(res, 503, 'not ready');
    let update: unknown;
    try {
      update = JSON.parse(body.toString('utf8'));
    } catch {
      log.warn({ size: body.length }, 'telegram webhook: body is not JSON, refused');
      return end(res, 400, 'bad json');
    }
    if (!isUpdate(update)) {
      log.warn({ size: body.length }, 'telegram webhook: body is not an update (no update_id), refused');
      return end(res, 400, 'not an update');
    }
    options.handle(update).then(
      () => end(res, 200, 'ok'),
      (error: unknown) => {
        log.error({ err: error }, 'telegram webhook: update not handled; Telegram will redeliver it');
        end(res, 500, 'retry');
      },
    );
  };
}
