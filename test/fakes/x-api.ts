/**
 * A fake X API (v2 DM endpoints) on 127.0.0.1, for tests that drive the REAL twitter-api-v2.
 * twitter-api-v2 speaks https only: the adapter rewrites api.x.com to this fake's http URL and
 * passes an http.Agent (../shared/notes/fake-platforms.md).
 *
 * - `GET /2/users/me` answers the business account (`botUserId`) and `x-access-level`
 *   (`setAccessLevel('read-write')` models an app without DM permission).
 * - `GET /2/dm_events` and `GET /2/dm_conversations/with/:id/dm_events`: MessageCreate events newest
 *   first, `max_results` per page, `meta.next_token` (an opaque ≥ 16-character token) while older
 *   events remain. Ids are snowflakes (time-based, above 2^53): compare them as big integers.
 * - `POST /2/dm_conversations/with/:id/messages` appends the bot's event (it shows up in the
 *   timeline, as X does) and answers 201 `{data:{dm_conversation_id, dm_event_id}}`.
 * - Every answer carries `x-rate-limit-{limit,remaining,reset}` (per endpoint, 15-minute window)
 *   and sends carry `x-user-limit-24hour-{limit,remaining,reset}`; `date` is set from the same clock.
 * - `failNext(failure, filter)` fails the next matching call once: 429 (`retryAfterSeconds`, or the
 *   24-hour cap), 403 (recipient, app permission or the account itself), 401, 5xx, or
 *   `accepted-no-answer` (the DM is sent, then the connection is cut: the client cannot know).
 * - `userSays(userId, text)` makes a customer DM the bot; `sent(userId)` lists the bot's DMs to them;
 *   `calls` records every request; `eventsRead` counts events returned by GETs (what X bills).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Twitter's snowflake epoch (ms). */
const SNOWFLAKE_EPOCH = 1288834974657n;

export interface FakeDmEvent {
  id: string;
  event_type: 'MessageCreate';
  text: string;
  sender_id: string;
  dm_conversation_id: string;
  created_at: string;
}

export type XFakeFailure =
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'daily-cap'; retryAfterSeconds: number }
  | { kind: 'recipient-forbidden' }
  | { kind: 'app-forbidden' }
  /** A 403 about the business account itself: 64 suspended, 226 automated, 326 locked. */
  | { kind: 'account-forbidden'; code: 64 | 226 | 326 }
  | { kind: 'unauthorized' }
  | { kind: 'server-error' }
  | { kind: 'accepted-no-answer' };

export interface XFailureFilter {
  method?: 'GET' | 'POST';
  /** Only calls whose path includes this (e.g. 'dm_events', '/messages', 'users/me'). */
  path?: string;
}

export interface XRecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  at: number;
}

/** A 1:1 conversation id: the two user ids, smaller first (as big integers). */
export function conversationId(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`;
}

/** The snowflake a time would have (sequence 0): ids made later are larger. */
export function snowflakeAt(ms: number): bigint {
  return (BigInt(ms) - SNOWFLAKE_EPOCH) << 22n;
}

export class FakeXApi {
  readonly calls: XRecordedCall[] = [];
  /** Every DM event, oldest first. */
  readonly events: FakeDmEvent[] = [];
  /** DM events returned by the GET endpoints so far. */
  eventsRead = 0;
  /** Distinct DM event ids returned (X bills a read of the same event once per UTC day). */
  readonly distinctEventsRead = new Set<string>();
  private readonly failures: { failure: XFakeFailure; filter: XFailureFilter }[] = [];
  private readonly held = new Set<ServerResponse>();
  private lastId = 0n;
  private accessLevel = 'read-write-directmessages';
  private readLimit = 100_000;
  private readonly used = new Map<string, number>();
  private dailySends = { limit: 1440, used: 0 };

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly botUserId: string,
    readonly username: string,
  ) {}

  static async start(options: { botUserId?: string; username?: string } = {}): Promise<FakeXApi> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    const fake = new FakeXApi(
      server,
      `http://127.0.0.1:${address.port}`,
      options.botUserId ?? '1600000000000000001',
      options.username ?? 'hearth_shop',
    );
    server.on('request', (req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
    });
    return fake;
  }

  /** A customer DMs the bot; returns the event. */
  userSays(userId: string, text: string): FakeDmEvent {
    return this.addEvent(userId, conversationId(userId, this.botUserId), text);
  }

  /** The business account writes to `userId` itself (from the X app): an own event in the timeline. */
  botSays(userId: string, text: string): FakeDmEvent {
    return this.addEvent(this.botUserId, conversationId(userId, this.botUserId), text);
  }

  /** What the bot sent to `userId`, oldest first. */
  sent(userId: string): FakeDmEvent[] {
    const conversation = conversationId(userId, this.botUserId);
    return this.events.filter((e) => e.sender_id === this.botUserId && e.dm_conversation_id === conversation);
  }

  /** Fails the next call matching `filter` once. */
  failNext(failure: XFakeFailure, filter: XFailureFilter = {}): void {
    this.failures.push({ failure, filter });
  }

  /** What `x-access-level` /2/users/me reports (OAuth 1.0a app permission). */
  setAccessLevel(level: string): void {
    this.accessLevel = level;
  }

  /** Read requests allowed per 15 minutes (reported in the headers; over it → 429). */
  setReadLimit(limit: number): void {
    this.readLimit = limit;
  }

  /** The 24-hour send quota the headers report (`used` sends already counted today). */
  setDailySends(limit: number, used = 0): void {
    this.dailySends = { limit, used };
  }

  /** Resolves once `predicate` returns a value (checked every 10 ms). */
  async waitFor<T>(
    predicate: () => T | undefined | false,
    timeoutMs = 10_000,
    what = 'condition',
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`fake X: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    for (const res of this.held) res.socket?.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private addEvent(senderId: string, conversation: string, text: string): FakeDmEvent {
    const now = Date.now();
    let id = snowflakeAt(now);
    if (id <= this.lastId) id = this.lastId + 1n;
    this.lastId = id;
    const event: FakeDmEvent = {
      id: String(id),
      event_type: 'MessageCreate',
      text,
      sender_id: senderId,
      dm_conversation_id: conversation,
      created_at: new Date(now).toISOString(),
    };
    this.events.push(event);
    return event;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const path = url.pathname;
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const call: XRecordedCall = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body,
      status: 0,
      at: Date.now(),
    };
    this.calls.push(call);
    const nowMs = Date.now();
    const resetSeconds = Math.floor(nowMs / 1000) + 900;
    const endpoint = `${method} ${path.replace(/\d+/g, ':id')}`;
    const isSend = method === 'POST' && /\/messages$/.test(path);
    const usedHere = (this.used.get(endpoint) ?? 0) + 1;
    this.used.set(endpoint, usedHere);
    const limit = method === 'GET' ? this.readLimit : 15;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      date: new Date(nowMs).toUTCString(),
      'x-rate-limit-limit': String(limit),
      'x-rate-limit-remaining': String(Math.max(0, limit - usedHere)),
      'x-rate-limit-reset': String(resetSeconds),
    };
    if (isSend) {
      headers['x-user-limit-24hour-limit'] = String(this.dailySends.limit);
      headers['x-user-limit-24hour-remaining'] = String(
        Math.max(0, this.dailySends.limit - this.dailySends.used - 1),
      );
      headers['x-user-limit-24hour-reset'] = String(Math.floor(nowMs / 1000) + 86_400);
    }
    const answer = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, { ...headers, ...extra });
      res.end(JSON.stringify(payload));
    };
    const failure = this.takeFailure(method, path);
    if (failure) {
      if (failure.kind === 'accepted-no-answer') {
        const participant = /with\/(\d+)\/messages$/.exec(path)?.[1];
        if (participant) this.acceptSend(participant, body);
        call.status = -1;
        this.held.add(res);
        res.on('close', () => this.held.delete(res));
        res.socket?.destroy();
        return;
      }
      return this.answerFailure(failure, answer, nowMs);
    }
    if (method === 'GET' && usedHere > this.readLimit) {
      return answer(429, problem(429, 'Too Many Requests', 'rate-limit-exceeded'), {
        'x-rate-limit-remaining': '0',
      });
    }
    if (method === 'GET' && path === '/2/users/me') {
      return answer(
        200,
        { data: { id: this.botUserId, name: 'Hearth Shop', username: this.username } },
        { 'x-access-level': this.accessLevel },
      );
    }
    if (method === 'GET' && path === '/2/dm_events') return answer(200, this.page(this.events, url));
    const withMatch = /^\/2\/dm_conversations\/with\/(\d+)\/(dm_events|messages)$/.exec(path);
    if (method === 'GET' && withMatch?.[2] === 'dm_events' && withMatch[1]) {
      const conversation = conversationId(withMatch[1], this.botUserId);
      return answer(
        200,
        this.page(
          this.events.filter((e) => e.dm_conversation_id === conversation),
          url,
        ),
      );
    }
    if (method === 'POST' && withMatch?.[2] === 'messages' && withMatch[1]) {
      const text = (body as { text?: unknown } | undefined)?.text;
      if (typeof text !== 'string' || text.length === 0) {
        return answer(400, problem(400, 'Invalid Request', 'invalid-request', 'text is required'));
      }
      const event = this.acceptSend(withMatch[1], body);
      return answer(201, { data: { dm_conversation_id: event.dm_conversation_id, dm_event_id: event.id } });
    }
    answer(404, problem(404, 'Not Found Error', 'resource-not-found', `no route ${method} ${path}`));
  }

  private acceptSend(participant: string, body: unknown): FakeDmEvent {
    this.dailySends.used++;
    const text = String((body as { text?: unknown } | undefined)?.text ?? '');
    return this.addEvent(this.botUserId, conversationId(participant, this.botUserId), text);
  }

  /** One page of `events` (newest first) as X answers it. */
  private page(events: FakeDmEvent[], url: URL): unknown {
    const size = Math.min(100, Math.max(1, Number(url.searchParams.get('max_results') ?? 100)));
    const token = url.searchParams.get('pagination_token');
    const below = token ? BigInt(token.replace(/^p0*/, '') || '0') : undefined;
    const newestFirst = [...events]
      .filter((e) => below === undefined || BigInt(e.id) <= below)
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    const data = newestFirst.slice(0, size);
    const next = newestFirst[size];
    this.eventsRead += data.length;
    for (const event of data) this.distinctEventsRead.add(event.id);
    return {
      ...(data.length ? { data } : {}),
      meta: {
        result_count: data.length,
        ...(next ? { next_token: `p${next.id.padStart(20, '0')}` } : {}),
      },
    };
  }

  private takeFailure(method: string, path: string): XFakeFailure | undefined {
    const index = this.failures.findIndex(
      ({ filter }) =>
        (filter.method === undefined || filter.method === method) &&
        (filter.path === undefined || path.includes(filter.path)),
    );
    if (index < 0) return undefined;
    return this.failures.splice(index, 1)[0]?.failure;
  }

  private answerFailure(
    failure: Exclude<XFakeFailure, { kind: 'accepted-no-answer' }>,
    answer: (status: number, payload: unknown, extra?: Record<string, string>) => void,
    nowMs: number,
  ): void {
    const nowSeconds = Math.floor(nowMs / 1000);
    switch (failure.kind) {
      case 'rate-limited':
        answer(429, problem(429, 'Too Many Requests', 'rate-limit-exceeded'), {
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': String(nowSeconds + failure.retryAfterSeconds),
        });
        return;
      case 'daily-cap':
        answer(429, problem(429, 'Too Many Requests', 'usage-capped'), {
          'x-user-limit-24hour-remaining': '0',
          'x-user-limit-24hour-reset': String(nowSeconds + failure.retryAfterSeconds),
          'x-rate-limit-reset': String(nowSeconds + failure.retryAfterSeconds),
        });
        return;
      case 'recipient-forbidden':
        answer(403, {
          ...problem(
            403,
            'Forbidden',
            'about:blank',
            'You are not permitted to send a message to this user.',
          ),
          errors: [{ code: 349, message: 'You cannot send messages to this user.' }],
        });
        return;
      case 'app-forbidden':
        answer(403, {
          ...problem(
            403,
            'Forbidden',
            'client-forbidden',
            'This application is not allowed to access or delete your direct messages.',
          ),
          errors: [
            {
              code: 93,
              message: 'This application is not allowed to access or delete your direct messages.',
            },
          ],
        });
        return;
      case 'account-forbidden':
        answer(403, {
          ...problem(403, 'Forbidden', 'about:blank', 'Forbidden'),
          errors: [{ code: failure.code, message: 'This account is temporarily locked.' }],
        });
        return;
      case 'unauthorized':
        answer(401, problem(401, 'Unauthorized', 'about:blank', 'Unauthorized'));
        return;
      case 'server-error':
        answer(503, problem(503, 'Service Unavailable', 'about:blank', 'Service Unavailable'));
    }
  }
}

/** An RFC 7807 problem as X's v2 answers errors. */
function problem(status: number, title: string, type: string, detail = title): Record<string, unknown> {
  return {
    title,
    detail,
    type: type.includes(':') ? type : `https://api.twitter.com/2/problems/${type}`,
    status,
  };
}
