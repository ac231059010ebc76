/**
 * The gateway side of the fake Discord: a WebSocket server on 127.0.0.1 speaking plain JSON (v10):
 * HELLO → IDENTIFY → READY (+ GUILD_CREATE) → dispatches; heartbeats answered; RESUME replays.
 *
 * - `dispatch(t, d)` sends an event to the connected, identified client (queued until there is one).
 * - `refuseIdentify(code)` closes the next IDENTIFY with a close code (4014 disallowed intents, 4004).
 * - `dropConnection(replayLast)` closes with 4000 (discord.js resumes); on RESUME the last
 *   `replayLast` dispatches are sent again, as Discord replays the events of a disconnect window.
 * - `identifies` (with the intents asked for) and `resumes` count what the client did.
 */
import { WebSocket, WebSocketServer } from 'ws';
import { FAKE_APPLICATION_ID, FAKE_BOT, FAKE_GUILD_ID, guildCreate } from './discord-wire.ts';

interface Dispatch {
  t: string;
  d: unknown;
}

export class FakeDiscordGateway {
  readonly identifies: { intents: number }[] = [];
  resumes = 0;
  private seq = 0;
  private socket: WebSocket | undefined;
  private ready = false;
  private readonly pending: Dispatch[] = [];
  private readonly history: Dispatch[] = [];
  private refusal: number | undefined;
  private replayOnResume = 0;
  private readyWaiters: (() => void)[] = [];
  channels: { id: string; name: string }[] = [];

  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(): Promise<FakeDiscordGateway> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new FakeDiscordGateway(server);
  }

  get url(): string {
    const address = this.server.address();
    return `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /** True while a client is identified (or resumed) and receiving dispatches. */
  get connected(): boolean {
    return this.ready && this.socket?.readyState === WebSocket.OPEN;
  }

  /** Resolves once a client is identified and receiving. */
  async whenConnected(timeoutMs = 20_000): Promise<void> {
    if (this.connected) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no gateway client connected')), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  dispatch(t: string, d: unknown): void {
    const event = { t, d };
    this.history.push(event);
    if (this.history.length > 200) this.history.shift();
    if (this.connected) this.send(event);
    else this.pending.push(event);
  }

  refuseIdentify(code: number | undefined): void {
    this.refusal = code;
  }

  /** Closes the connection as a network hiccup would; the client resumes and gets `replayLast` again. */
  dropConnection(replayLast = 0): void {
    this.replayOnResume = replayLast;
    this.ready = false;
    this.socket?.close(4000, 'fake: connection dropped');
  }

  /** Ends the current connection abruptly (a dead network): no close frame. */
  terminate(): void {
    this.ready = false;
    this.socket?.terminate();
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: WebSocket): void {
    this.socket?.terminate();
    this.socket = socket;
    this.ready = false;
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    socket.on('message', (raw) => {
      let payload: { op?: number; d?: Record<string, unknown> };
      try {
        payload = JSON.parse(String(raw));
      } catch {
        socket.close(4002, 'decode error');
        return;
      }
      if (payload.op === 1) socket.send(JSON.stringify({ op: 11 }));
      else if (payload.op === 2) this.identify(socket, Number(payload.d?.intents ?? 0));
      else if (payload.op === 6) this.resume(socket);
    });
  }

  private identify(socket: WebSocket, intents: number): void {
    this.identifies.push({ intents });
    if (this.refusal !== undefined) {
      socket.close(this.refusal, 'fake: identify refused');
      return;
    }
    this.seq = 0;
    this.sendTo(socket, {
      t: 'READY',
      d: {
        v: 10,
        user: FAKE_BOT,
        guilds: [{ id: FAKE_GUILD_ID, unavailable: true }],
        session_id: `session-${this.identifies.length}`,
        resume_gateway_url: this.url,
        application: { id: FAKE_APPLICATION_ID, flags: 0 },
      },
    });
    this.sendTo(socket, { t: 'GUILD_CREATE', d: guildCreate(this.channels) });
    this.becomeReady();
  }

  private resume(socket: WebSocket): void {
    this.resumes++;
    const replay = this.replayOnResume > 0 ? this.history.slice(-this.replayOnResume) : [];
    this.replayOnResume = 0;
    for (const event of replay) this.sendTo(socket, event);
    this.sendTo(socket, { t: 'RESUMED', d: {} });
    this.becomeReady();
  }

  private becomeReady(): void {
    this.ready = true;
    for (const event of this.pending.splice(0)) this.send(event);
    for (const wake of this.readyWaiters.splice(0)) wake();
  }

  private send(event: Dispatch): void {
    if (this.socket) this.sendTo(this.socket, event);
  }

  private sendTo(socket: WebSocket, event: Dispatch): void {
    this.seq += 1;
    socket.send(JSON.stringify({ op: 0, t: event.t, s: this.seq, d: event.d }));
  }
}
