import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../src/core/log.ts';

/** Telegram posts updates with this header carrying the secret_token given to setWebhook. */
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
const MAX_BODY_BYTES = 1024 * 1024;

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

/**
 * A raw HTTP handler for Telegram's webhook: refuses (401, warning logged) any request without the
 * right secret token before reading it, answers 400 to a body that is not JSON, and 200 once the
 * update was handled. When handling fails (database down) it answers 500 so Telegram redelivers.
 */
export function webhookHandler(options: {
  secret: string;
  log: Logger;
  ready(): boolean;
  handle(update: unknown): Promise<void>;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const { secret, log } = options;
  const end = (res: ServerResponse, status: number, body = '') => {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body);
  };
  return (req, res) => {
    if (!sameSecret(req.headers[SECRET_HEADER], secret)) {
      log.warn(
        { remote: req.socket.remoteAddress, hasToken: req.headers[SECRET_HEADER] !== undefined },
        'telegram webhook refused: missing or wrong secret token',
      );
      req.resume();
      return end(res, 401, 'unauthorized');
    }
    if (!options.ready()) {
      req.resume();
      return end(res, 503, 'not ready');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', (error) => log.warn({ err: error }, 'telegram webhook: request failed'));
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        log.warn({ size }, 'telegram webhook: body too large, refused');
        return end(res, 413, 'too large');
      }
      let update: unknown;
      try {
        update = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        log.warn({ size }, 'telegram webhook: body is not JSON, ignored');
        return end(res, 400, 'bad json');
      }
      options.handle(update).then(
        () => end(res, 200, 'ok'),
        (error: unknown) => {
          log.error({ err: error }, 'telegram webhook: update not handled; Telegram will redeliver it');
          end(res, 500, 'retry');
        },
      );
    });
  };
}
