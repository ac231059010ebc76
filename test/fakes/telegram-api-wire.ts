/** Wire helpers of the fake Telegram Bot API (test/fakes/telegram-api.ts): bodies, answers, chats. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type FakeFailure =
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'blocked' }
  | { kind: 'deactivated' }
  | { kind: 'chat-not-found' }
  | { kind: 'server-error'; status?: number }
  | { kind: 'slow'; ms: number }
  /** Performed at once (recorded, seen in the chat), its answer held back for `ms`. */
  | { kind: 'late-answer'; ms: number }
  | { kind: 'error'; status: number; description: string };

export interface FailureFilter {
  /** API method; by default any sending method (sendMessage, sendPoll, editMessageText, ...). */
  method?: string;
  chatId?: string | number;
  /** Let this many matching calls through before failing one. */
  skip?: number;
}

export interface RecordedCall {
  token: string;
  method: string;
  body: Record<string, unknown>;
  /** HTTP status the fake answered with. */
  status: number;
  at: number;
}

export interface SentMessage {
  method: string;
  chatId: string;
  messageId: number;
  text: string;
  /** A native poll's id (sendPoll), as poll answers name it. */
  pollId?: string;
  threadId?: number;
  /** Inline keyboard as sent (rows of {text, callback_data | url}). */
  keyboard?: { text: string; callback_data?: string; url?: string }[][];
  body: Record<string, unknown>;
}

/** Methods that put something into a chat (and count toward rate limits). */
export const SEND_METHODS = new Set([
  'sendMessage',
  'sendPoll',
  'stopPoll',
  'editMessageText',
  'editMessageReplyMarkup',
  'sendDocument',
  'sendPhoto',
  'copyMessage',
  'forwardMessage',
]);

/** A Poll object as Telegram returns it for sendPoll. */
export function pollOf(id: string, body: Record<string, unknown>) {
  const options = (parseMaybeJson(body.options) ?? []) as unknown[];
  return {
    id,
    question: body.question,
    options: options.map((o) => ({
      text: typeof o === 'string' ? o : (o as { text: string }).text,
      voter_count: 0,
    })),
    total_voter_count: 0,
    is_closed: false,
    is_anonymous: body.is_anonymous !== false && body.is_anonymous !== 'false',
    type: body.type ?? 'regular',
    allows_multiple_answers: body.allows_multiple_answers === true || body.allows_multiple_answers === 'true',
  };
}

/** What Telegram answers for an injected failure: JSON, or an HTML page for a 5xx from its proxy. */
export function failureAnswer(failure: Exclude<FakeFailure, { kind: 'slow' | 'late-answer' }>): {
  status: number;
  payload: object | string;
} {
  const error = (status: number, description: string, parameters?: object) => ({
    status,
    payload: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) },
  });
  switch (failure.kind) {
    case 'rate-limited':
      return error(429, `Too Many Requests: retry after ${failure.retryAfterSeconds}`, {
        retry_after: failure.retryAfterSeconds,
      });
    case 'blocked':
      return error(403, 'Forbidden: bot was blocked by the user');
    case 'deactivated':
      return error(403, 'Forbidden: user is deactivated');
    case 'chat-not-found':
      return error(400, 'Bad Request: chat not found');
    case 'error':
      return error(failure.status, failure.description);
    case 'server-error':
      return { status: failure.status ?? 502, payload: '<html>Bad Gateway</html>' };
  }
}

export class ApiError {
  constructor(
    readonly status: number,
    readonly payload: unknown,
  ) {}
}

export function chatOf(chatId: unknown) {
  const id = Number(chatId);
  if (id > 0) return { id, type: 'private', first_name: 'User' };
  return { id, type: id <= -1_000_000_000_000 ? 'supergroup' : 'group', title: `Chat ${id}` };
}

export function prune(times: number[], now: number): void {
  while (times.length > 0 && (times[0] ?? 0) <= now - 1000) times.shift();
}

export function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? undefined;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function reply(res: ServerResponse, status: number, payload: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  // With its length, as the Bot API answers: a chunked answer on a kept-alive socket trips node-fetch
  // 2's "Premature close" check when the socket is handed at once to a queued request.
  const body = JSON.stringify(payload);
  res
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    .end(body);
}

/** JSON bodies parsed; multipart bodies (files) parsed into fields, files as {name, size}. */
export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) return {};
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const body: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      body[key] = typeof value === 'string' ? value : { name: value.name, size: value.size };
    }
    return body;
  }
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return { raw: raw.toString('utf8') };
  }
}

/** POSTs an update as Telegram does, with the secret header when given. */
export async function postJson(
  url: string,
  update: unknown,
  secret?: string,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secret === undefined ? {} : { 'x-telegram-bot-api-secret-token': secret }),
    },
    body: typeof update === 'string' ? update : JSON.stringify(update),
  });
  return { status: response.status, text: await response.text() };
}

/** Resolves once `predicate` holds (checked every 10 ms); rejects after `timeoutMs`. */
export async function waitUntil<T>(
  predicate: () => T | undefined | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export type Update = Record<string, unknown> & { update_id?: number };

/** Queues an update in update_id order (Telegram's); an explicit id may go before queued ones. */
export function enqueueInOrder(queue: Update[], update: Update & { update_id: number }): void {
  let at = queue.length;
  while (at > 0 && (queue[at - 1]?.update_id ?? 0) > update.update_id) at--;
  queue.splice(at, 0, update);
}

/** Drops the updates a getUpdates `offset` confirms: those below it, which lead the ordered queue. */
export function confirmBelow(queue: Update[], offset: number): void {
  let confirmed = 0;
  while (confirmed < queue.length && (queue[confirmed]?.update_id ?? 0) < offset) confirmed++;
  queue.splice(0, confirmed);
}

/** The highest offset getUpdates was called with in `calls` (0 when none). */
export function confirmedBelow(calls: readonly RecordedCall[]): number {
  let offset = 0;
  for (const call of calls) {
    if (call.method === 'getUpdates') offset = Math.max(offset, Number(call.body.offset ?? 0));
  }
  return offset;
}

/** The bot user the fake answers getMe with for `token`. */
export function botInfo(token: string, username: string) {
  return {
    id: Number(token.split(':')[0]),
    is_bot: true as const,
    first_name: 'Hearth Test',
    username,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  };
}
