import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../src/core/log.ts';
import type { RawHandler } from '../../src/http/routes.ts';
import type { DmEvent } from './client.ts';

/** The latest time a JavaScript Date holds (ms since the epoch). */
const MAX_DATE_MS = 8.64e15;

export const SIGNATURE_HEADER = 'x-twitter-webhooks-signature';
/**
 * What a CRC token may look like. Checked before signing, so the endpoint never signs arbitrary
 * input (an HMAC over anything would be an oracle for forging POST signatures).
 */
const CRC_TOKEN = /^[A-Za-z0-9+/=_-]{16,128}$/;

/** `sha256=` + base64 HMAC-SHA256 of `data` under the app's consumer secret, as X signs. */
export function xSignature(secret: string, data: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(data).digest('base64')}`;
}

/** The route path of a public webhook URL (`https://shop.example/x/webhook` → `/x/webhook`). */
export function webhookPath(publicUrl: string): string {
  const path = new URL(publicUrl).pathname;
  return path === '/' || path === '' ? '/x/webhook' : path;
}

function sameSignature(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const end = (res: ServerResponse, status: number, body = '', type = 'text/plain') => {
  if (!res.headersSent) res.writeHead(status, { 'content-type': type });
  res.end(body);
};

/** The CRC challenge (GET ?crc_token=…): answered with the signed token, if the token looks like one. */
export function crcHandler(secret: string, log: Logger): RawHandler {
  return (req, res) => {
    const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('crc_token') ?? '';
    if (!CRC_TOKEN.test(token)) {
      log.warn(
        { remote: req.socket.remoteAddress },
        'x webhook: CRC request without a valid crc_token refused',
      );
      return end(res, 400, 'bad crc_token');
    }
    end(res, 200, JSON.stringify({ response_token: xSignature(secret, token) }), 'application/json');
  };
}

/** A `message_create` of a delivery: the DM in the `GET /2/dm_events` shape, and its recipient. */
interface PushedDm {
  event: DmEvent;
  recipientId?: string;
}

/**
 * How old a pushed DM may be. X delivers at once and replays (`POST /2/webhooks/replay`) at most
 * 24 hours back; its signature has no timestamp, so an older body is someone replaying a captured
 * delivery (possibly after its dedupe record was pruned).
 */
export const MAX_PUSHED_AGE_MS = 48 * 3600_000;

/**
 * The DMs of a delivery that belong to the business account `accountId` and are recent: a delivery
 * for another account subscribed to the same app (`for_user_id`), an event the account is neither
 * sender nor recipient of, and one without a time or older than MAX_PUSHED_AGE_MS are left out.
 */
export function accountDmsOf(
  payload: unknown,
  options: { accountId: string; log: Logger; now?: number },
): DmEvent[] {
  const { accountId, log } = options;
  const forUserId = (payload as { for_user_id?: unknown } | null)?.for_user_id;
  if (forUserId !== undefined && forUserId !== accountId) {
    log.debug({ forUserId }, 'x webhook: delivery for another account of the app ignored');
    return [];
  }
  const oldest = (options.now ?? Date.now()) - MAX_PUSHED_AGE_MS;
  const events: DmEvent[] = [];
  for (const { event, recipientId } of pushedDms(payload)) {
    if (event.sender_id !== accountId && recipientId !== accountId) {
      log.debug({ eventId: event.id }, 'x webhook: DM of another account ignored');
      continue;
    }
    const at = Date.parse(event.created_at ?? '');
    if (!Number.isFinite(at) || at < oldest) {
      log.info(
        { eventId: event.id, createdAt: event.created_at ?? null },
        'x webhook: DM without a time or older than 48 hours ignored (X replays at most 24 hours back)',
      );
      continue;
    }
    events.push(event);
  }
  return events;
}

/**
 * The DMs of an Account Activity / X Activity delivery (`direct_message_events[].message_create`),
 * each in the shape `GET /2/dm_events` returns with its recipient; anything else is left alone.
 */
function pushedDms(payload: unknown): PushedDm[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const list = (payload as { direct_message_events?: unknown }).direct_message_events;
  if (!Array.isArray(list)) return [];
  const dms: PushedDm[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const raw = item as {
      type?: unknown;
      id?: unknown;
      created_timestamp?: unknown;
      message_create?: {
        sender_id?: unknown;
        target?: { recipient_id?: unknown };
        message_data?: { text?: unknown };
      };
    };
    if (raw.type !== 'message_create' || typeof raw.id !== 'string') continue;
    const millis = Number(raw.created_timestamp);
    const recipientId = raw.message_create?.target?.recipient_id;
    dms.push({
      event: {
        id: raw.id,
        event_type: 'MessageCreate',
        ...(typeof raw.message_create?.sender_id === 'string'
          ? { sender_id: raw.message_create.sender_id }
          : {}),
        ...(typeof raw.message_create?.message_data?.text === 'string'
          ? { text: raw.message_create.message_data.text }
          : {}),
        // A time JavaScript cannot represent (beyond ±8.64e15 ms) is left out, like a missing one.
        ...(Number.isFinite(millis) && millis > 0 && millis <= MAX_DATE_MS
          ? { created_at: new Date(millis).toISOString() }
          : {}),
      },
      ...(typeof recipientId === 'string' ? { recipientId } : {}),
    });
  }
  return dms;
}

/**
 * X's POSTs: the signature over the raw body is checked first, in constant time (401 and nothing
 * processed when it is missing or wrong); then 400 for a body that is not JSON, 503 before the
 * adapter started, 200 once every DM in it for the account (see accountDmsOf) is recorded (500
 * otherwise, so X delivers it again).
 */
export function eventsHandler(options: {
  secret: string;
  log: Logger;
  ready(): boolean;
  /** The business account's X user id (undefined before the adapter started). */
  accountId(): string | undefined;
  handle(events: DmEvent[]): Promise<void>;
}): RawHandler {
  const { secret, log } = options;
  return (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    if (!sameSignature(req.headers[SIGNATURE_HEADER], xSignature(secret, body))) {
      log.warn(
        { remote: req.socket.remoteAddress, signed: req.headers[SIGNATURE_HEADER] !== undefined },
        'x webhook refused: missing or wrong x-twitter-webhooks-signature',
      );
      return end(res, 401, 'unauthorized');
    }
    const accountId = options.accountId();
    if (!options.ready() || accountId === undefined) return end(res, 503, 'not ready');
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      log.warn({ size: body.length }, 'x webhook: body is not JSON, refused');
      return end(res, 400, 'bad json');
    }
    options.handle(accountDmsOf(payload, { accountId, log })).then(
      () => end(res, 200, 'ok'),
      (error: unknown) => {
        log.error({ err: error }, 'x webhook: DMs not recorded; X will deliver them again');
        end(res, 500, 'retry');
      },
    );
  };
}
