/**
 * A reusable fake Slack, for tests that drive the REAL @slack/bolt / @slack/web-api on 127.0.0.1.
 *
 * 1. `FakeSlackApi` — the Web API side. Point the SDK at `fake.apiUrl`
 *    (`clientOptions.slackApiUrl`, or SLACK_API_URL=fake.apiUrl for Hearth's Slack adapter).
 *    - Answers auth.test, chat.postMessage, chat.update, chat.postEphemeral, views.open, views.update,
 *      files.getUploadURLExternal + the upload URL + files.completeUploadExternal (files.uploadV2),
 *      conversations.members, users.info, apps.connections.open (Socket Mode, see `socketUrl`).
 *    - Records every call in `calls` (form bodies decoded; `blocks`, `files`... parsed from JSON).
 *      `messages(channel)` lists what was posted into a channel (postMessage, update, files).
 *    - `responseUrl(id)` gives a `response_url` for signed payloads; what Bolt's `respond()` (or an
 *      adapter) posts there is in `responses`.
 *    - `failNext(method, failure)` makes the next call of `method` fail: `rate-limited` (HTTP 429 +
 *      Retry-After), `server-error` (HTTP 500), or `{kind:'error', error:'channel_not_found'}` (ok:false).
 *    - `waitFor(predicate)` polls `calls` until one matches (5 s default), for asynchronous sends.
 *    - `channelMembers` (conversations.members), `users` (users.info) can be filled by the test.
 *    - Socket Mode: `startSocketMode()` opens a ws://127.0.0.1 server that apps.connections.open
 *      points to; `sendEnvelope(type, payload)` pushes an envelope (slash_commands, interactive,
 *      events_api) and resolves with the client's ack. Close the SDK first, then `close()`.
 * 2. `SlackRequestSigner` (in ./slack-signer.ts, re-exported here) — the inbound side: builds slash commands, interactions (block_actions,
 *    view_submission) and Events API callbacks, signs them with HMAC v0 like Slack does
 *    (`x-slack-signature`, `x-slack-request-timestamp`) and POSTs them to Hearth. Options forge the
 *    signature, age the timestamp or add `x-slack-retry-num` to test verification and retries.
 *
 * Loopback only (127.0.0.1, port 0). Close the fake after the SDK has stopped.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** One Web API call as the fake received it. */
export interface SlackApiCall {
  method: string;
  /** Form fields (JSON-looking values such as `blocks` parsed), or the JSON body. */
  body: Record<string, unknown>;
  authorization: string | undefined;
}

/** A message as it would appear in a channel. */
export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  threadTs?: string;
  blocks?: unknown[];
  /** Labels of buttons in `actions` blocks. */
  buttonLabels?: string[];
  /** Set for file uploads. */
  file?: { id: string; name: string; content: Buffer };
  /** Set when the message was edited by chat.update. */
  edited?: boolean;
}

export type FakeSlackFailure =
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'server-error' }
  | { kind: 'error'; error: string };

const JSONISH = /^[[{]/;

export class FakeSlackApi {
  readonly calls: SlackApiCall[] = [];
  /** Bodies posted to `responseUrl(...)` (ephemeral or in-channel responses), with the url id. */
  readonly responses: { id: string; body: Record<string, unknown> }[] = [];
  /** conversations.members answers, by channel id. */
  readonly channelMembers = new Map<string, string[]>();
  /** Channels the bot is not in: chat.postMessage there answers `channel_not_found`. */
  readonly unreachableChannels = new Set<string>();
  /** users.info answers, by user id. */
  readonly users = new Map<string, { name: string; is_bot?: boolean }>();
  /** Where apps.connections.open points Socket Mode clients; set it to a ws://127.0.0.1 url. */
  socketUrl: string | undefined;
  readonly botUserId = 'UBOT';
  readonly botId = 'BBOT';
  private readonly posted: FakeSlackMessage[] = [];
  private readonly failures = new Map<string, FakeSlackFailure[]>();
  private readonly uploads = new Map<string, { name: string; content?: Buffer }>();
  private seq = 0;
  private socketServer: WebSocketServer | undefined;
  private socket: WebSocket | undefined;
  private readonly acks = new Map<string, (ack: Record<string, unknown>) => void>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeSlackApi> {
    const server = createServer();
    const fake = new FakeSlackApi(server);
    server.on('request', (req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: String(error) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** http://127.0.0.1:<port> */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The Web API base the SDK should use (ends with `/api/`). */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** A response_url for a signed payload; posts to it land in `responses` under `id`. */
  responseUrl(id: string = randomUUID()): string {
    return `${this.url}/response_url/${id}`;
  }

  /** Makes the next call of `method` fail (queued: call twice for two failures). */
  failNext(method: string, failure: FakeSlackFailure): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(failure);
    this.failures.set(method, queue);
  }

  callsTo(method: string): SlackApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Messages in a channel (all channels when omitted), oldest first; edits replace in place. */
  messages(channel?: string): FakeSlackMessage[] {
    return this.posted.filter((m) => channel === undefined || m.channel === channel);
  }

  /** Waits until a recorded call matches (default 5 s), returns it. */
  async waitFor(predicate: (call: SlackApiCall) => boolean, timeoutMs = 5_000): Promise<SlackApiCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`fake Slack: no matching call in ${timeoutMs} ms; got ${this.describeCalls()}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits until `count` messages are in `channel`, returns them. */
  async waitForMessages(channel: string, count = 1, timeoutMs = 5_000): Promise<FakeSlackMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages(channel).length < count) {
      if (Date.now() > deadline) {
        throw new Error(
          `fake Slack: ${count} message(s) expected in ${channel}; got ${this.describeCalls()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.messages(channel);
  }

  /** Forgets recorded calls, messages and responses (not configured members or failures). */
  reset(): void {
    this.calls.length = 0;
    this.posted.length = 0;
    this.responses.length = 0;
  }

  /** Starts the fake Socket Mode WebSocket server; apps.connections.open then points to it. */
  async startSocketMode(): Promise<void> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    this.socketServer = wss;
    this.socketUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link`;
    wss.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (data) => {
        const ack = JSON.parse(String(data)) as Record<string, unknown>;
        const resolve = this.acks.get(String(ack.envelope_id));
        this.acks.delete(String(ack.envelope_id));
        resolve?.(ack);
      });
      socket.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A1' } }));
    });
  }

  /** True once a Socket Mode client is connected. */
  get socketConnected(): boolean {
    return this.socket?.readyState === 1;
  }

  /** Pushes one Socket Mode envelope; resolves with the client's ack (its envelope_id and payload). */
  sendEnvelope(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('fake Slack: no Socket Mode client connected'));
    const envelopeId = randomUUID();
    const acked = new Promise<Record<string, unknown>>((resolve) => this.acks.set(envelopeId, resolve));
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        accepts_response_payload: type !== 'events_api',
        payload,
      }),
    );
    return acked;
  }

  async close(): Promise<void> {
    if (this.socketServer) {
      for (const client of this.socketServer.clients) client.terminate();
      await new Promise<void>((resolve) => this.socketServer?.close(() => resolve()));
    }
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private describeCalls(): string {
    return JSON.stringify(this.calls.map((c) => `${c.method} ${String(c.body.channel ?? '')}`));
  }

  private nextTs(): string {
    this.seq += 1;
    return `1700000000.${String(this.seq).padStart(6, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (path.startsWith('/response_url/')) {
      this.responses.push({
        id: path.slice('/response_url/'.length),
        body: JSON.parse(raw.toString() || '{}'),
      });
      return json(200, { ok: true });
    }
    if (path.startsWith('/upload/')) {
      const upload = this.uploads.get(path.slice('/upload/'.length));
      if (!upload) return json(404, { ok: false });
      upload.content = extractUpload(raw, req.headers['content-type']);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${raw.length}`);
      return;
    }
    const method = path.replace(/^\/api\//, '');
    const body = parseBody(raw.toString(), req.headers['content-type']);
    this.calls.push({ method, body, authorization: req.headers.authorization });
    const failure = this.failures.get(method)?.shift();
    if (failure?.kind === 'rate-limited') {
      return json(
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': String(failure.retryAfterSeconds) },
      );
    }
    if (failure?.kind === 'server-error') return json(500, { ok: false, error: 'internal_error' });
    if (failure?.kind === 'error') return json(200, { ok: false, error: failure.error });
    json(200, this.answer(method, body));
  }

  private answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    const channel = String(body.channel ?? body.channel_id ?? '');
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack/',
          team: 'Fake',
          user: 'hearth',
          team_id: 'T1',
          user_id: this.botUserId,
          bot_id: this.botId,
        };
      case 'chat.postMessage': {
        if (this.unreachableChannels.has(channel)) return { ok: false, error: 'channel_not_found' };
        const message = this.record({ channel, ts: this.nextTs(), body });
        return {
          ok: true,
          channel,
          ts: message.ts,
          message: { type: 'message', text: message.text, ts: message.ts },
        };
      }
      case 'chat.update': {
        const ts = String(body.ts ?? '');
        const existing = this.posted.find((m) => m.channel === channel && m.ts === ts);
        if (!existing) return { ok: false, error: 'message_not_found' };
        Object.assign(existing, messageFields(body), { edited: true });
        return { ok: true, channel, ts, text: existing.text };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'views.open':
      case 'views.update':
        return { ok: true, view: { id: `V${++this.seq}`, ...(asRecord(body.view) ?? {}) } };
      case 'files.getUploadURLExternal': {
        const fileId = `F${++this.seq}`;
        this.uploads.set(fileId, { name: String(body.filename ?? 'file') });
        return { ok: true, upload_url: `${this.url}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal':
        return this.completeUpload(body);
      case 'conversations.members':
        return {
          ok: true,
          members: this.channelMembers.get(channel) ?? [],
          response_metadata: { next_cursor: '' },
        };
      case 'users.info': {
        const id = String(body.user ?? '');
        const user = this.users.get(id);
        return user ? { ok: true, user: { id, ...user } } : { ok: false, error: 'user_not_found' };
      }
      case 'apps.connections.open':
        return this.socketUrl ? { ok: true, url: this.socketUrl } : { ok: false, error: 'no_socket_url' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private completeUpload(body: Record<string, unknown>): Record<string, unknown> {
    const files = Array.isArray(body.files) ? (body.files as { id: string; title?: string }[]) : [];
    const channel = String(body.channel_id ?? '');
    for (const file of files) {
      const upload = this.uploads.get(file.id);
      if (!upload?.content) return { ok: false, error: 'file_not_uploaded' };
      if (channel) {
        this.posted.push({
          channel,
          ts: this.nextTs(),
          text: String(body.initial_comment ?? ''),
          ...(body.thread_ts ? { threadTs: String(body.thread_ts) } : {}),
          file: { id: file.id, name: upload.name, content: upload.content },
        });
      }
    }
    return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) };
  }

  private record(input: { channel: string; ts: string; body: Record<string, unknown> }): FakeSlackMessage {
    const message: FakeSlackMessage = { channel: input.channel, ts: input.ts, ...messageFields(input.body) };
    this.posted.push(message);
    return message;
  }
}

function messageFields(body: Record<string, unknown>): Omit<FakeSlackMessage, 'channel' | 'ts'> {
  const blocks = Array.isArray(body.blocks) ? (body.blocks as unknown[]) : undefined;
  const labels = (blocks ?? []).flatMap((block) => {
    const b = block as { type?: string; elements?: { type?: string; text?: { text?: string } }[] };
    return b.type === 'actions' ? (b.elements ?? []).map((e) => e.text?.text ?? '') : [];
  });
  return {
    text: String(body.text ?? ''),
    ...(body.thread_ts ? { threadTs: String(body.thread_ts) } : {}),
    ...(blocks ? { blocks } : {}),
    ...(labels.length > 0 ? { buttonLabels: labels } : {}),
  };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    out[key] = JSONISH.test(value) ? safeJson(value) : value;
  }
  return out;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The file bytes of an upload: the first multipart part, or the raw body. */
function extractUpload(raw: Buffer, contentType: string | undefined): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? '');
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return raw;
  const start = raw.indexOf('\r\n\r\n');
  const end = raw.indexOf(`\r\n--${marker}`, start);
  return start < 0 || end < 0 ? raw : raw.subarray(start + 4, end);
}

export {
  type SignOptions,
  SlackRequestSigner,
  type SlashCommandInput,
  slackSignature,
} from './slack-signer.ts';
