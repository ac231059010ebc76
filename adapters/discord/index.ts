import { Client, Events, GatewayIntentBits, REST, Routes } from 'discord.js';
import type { AdapterContext, LeaderRole, PlatformAdapter } from '../../src/core/adapter.ts';
import type { AdapterState } from '../../src/core/adapter-state.ts';
import { PermanentError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import type { OutboundMessage, SendResult } from '../../src/core/outbound.ts';
import type { InboundReceiver } from '../../src/core/receiver.ts';
import { acknowledgeInteraction } from './acknowledge.ts';
import { toCoreError } from './errors.ts';
import { InvalidRequestGuard } from './guard.ts';
import { GuildChannels } from './guilds.ts';
import { DISCORD_CAPABILITIES } from './module.ts';
import { type DiscordIdentity, type InteractionToAck, normalizeDispatch } from './normalize.ts';
import { finalPollCounts, PollReconciler } from './poll-results.ts';
import { CustomIdCodec } from './render.ts';
import { DiscordSender } from './send.ts';
import { askAtStart, registerSlashCommands, topicsFor } from './startup.ts';

export type MessageContentMode = 'on' | 'off' | 'auto';

export interface DiscordAdapterOptions {
  token: string;
  /** REST base (default https://discord.com/api); the gateway is found through it. */
  apiUrl?: string;
  /** Register slash commands in this server only (instant), else globally. */
  guildId?: string;
  applicationId?: string;
  /** Ask for the privileged MESSAGE_CONTENT intent: on, off, or when the application has it enabled. */
  messageContent?: MessageContentMode;
  log: Logger;
  now?: () => number;
  /** 401/403/429 answers in 10 minutes after which sends pause (default 1,000; Discord bans at 10,000). */
  guardLimit?: number;
  /**
   * How long start() waits for Discord to answer (default 15 s); after that start-up goes on in the
   * background and the gateway connects once Discord answers.
   */
  startupWaitMs?: number;
}

/** Application flags: GATEWAY_MESSAGE_CONTENT (1 << 18) and its _LIMITED toggle (1 << 19). */
const MESSAGE_CONTENT_FLAGS = (1 << 18) | (1 << 19);
/** Close codes after which connecting again cannot help (fix the token or the Developer Portal). */
const FATAL_CLOSES: Record<number, string> = {
  4004: 'Discord refused the bot token (gateway close 4004): set a valid DISCORD_BOT_TOKEN',
  4013: 'Discord refused the gateway intents (close 4013, invalid intents)',
  4014: 'Discord refused the MESSAGE_CONTENT intent (close 4014): enable "Message Content Intent" under Bot → Privileged Gateway Intents in the Developer Portal, or set DISCORD_MESSAGE_CONTENT=off',
};
/** How long a lost role waits for a login in progress to settle before destroying its client. */
const LOGIN_SETTLE_MS = 10_000;
/** How long start() waits for the first gateway connection when this instance holds the role. */
const FIRST_CONNECTION_MS = 30_000;
/** How long start() waits for Discord's first answers by default (then it goes on in the background). */
const STARTUP_WAIT_MS = 15_000;

/** Discord through discord.js: the gateway in one instance (asLeader), REST sends from any. */
export class DiscordAdapter implements PlatformAdapter {
  readonly platform = 'discord' as const;
  readonly capabilities = DISCORD_CAPABILITIES;
  readonly rest: REST;
  private readonly guard: InvalidRequestGuard;
  private readonly sender: DiscordSender;
  private readonly codec = new CustomIdCodec();
  private readonly guilds = new GuildChannels();
  private readonly polls: PollReconciler;
  private readonly log: Logger;
  private readonly now: () => number;
  private receiver: InboundReceiver | undefined;
  private state: AdapterState | undefined;
  private me: DiscordIdentity | undefined;
  private gatewayRole: LeaderRole | undefined;
  private intents = 0;
  /** Acknowledgements by interaction id: true once done, false when they failed (answers wait). */
  private readonly acks = new Map<string, Promise<boolean>>();
  /** Interactions whose deferred answer was given (without durable state: this process only). */
  private readonly answeredHere = new Set<string>();
  private firstConnection: { resolve: () => void; reject: (error: Error) => void } | undefined;
  /** Aborted at stop: start-up calls still waiting for Discord end. */
  private starting = new AbortController();

  constructor(private readonly options: DiscordAdapterOptions) {
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.polls = new PollReconciler(this.log, () => this.context);
    // Hearth's outbox owns every delay and retry: a 429 is thrown, not waited out, and nothing is
    // retried inside discord.js (a retried POST is deduplicated by its nonce anyway).
    this.rest = new REST({ ...this.restOptions(), rejectOnRateLimit: () => true }).setToken(options.token);
    this.guard = new InvalidRequestGuard({
      now: this.now,
      ...(options.guardLimit ? { limit: options.guardLimit } : {}),
    });
    this.sender = new DiscordSender({
      rest: this.rest,
      codec: this.codec,
      now: this.now,
      log: this.log,
      pendingAck: (id) => this.acks.get(id),
      claimOriginal: (id) => this.claimOriginal(id),
      pollEnded: (message) => this.onFinalPoll(message),
    });
  }

  private restOptions() {
    return {
      version: '10',
      offset: 0,
      retries: 0,
      ...(this.options.apiUrl ? { api: this.options.apiUrl } : {}),
    };
  }

  get identity(): DiscordIdentity | undefined {
    return this.me;
  }

  async start(context: AdapterContext): Promise<void> {
    this.context = context;
    this.receiver = context.receiver;
    this.starting = new AbortController();
    const signal = this.starting.signal;
    const first = new Promise<void>((resolve, reject) => {
      this.firstConnection = { resolve, reject };
    });
    first.catch(() => {});
    const setUp = this.setUp(context, signal);
    setUp.catch(() => {});
    const waitMs = this.options.startupWaitMs ?? STARTUP_WAIT_MS;
    const ready = await Promise.race([setUp, sleep(waitMs).then(() => undefined)]);
    if (!ready) {
      this.firstConnection = undefined;
      this.log.error(
        `discord: Discord did not answer within ${waitMs} ms at start-up; still trying in the background (the gateway connects once it answers)`,
      );
      setUp.catch((error: unknown) => this.startupFailed(error, signal));
      return;
    }
    await Promise.race([ready.commands, sleep(waitMs)]);
    // Start-up fails on a refused intent (one clear line) when this instance connects first.
    const leader = await waitFor(() => this.gatewayRole?.held === true, 2_000);
    if (leader) await Promise.race([first, sleep(FIRST_CONNECTION_MS)]);
    this.firstConnection = undefined;
  }

  /**
   * Who the bot is, asked until Discord answers (5xx, 429 after its Retry-After and network failures
   * are waited out; a refused token or access fails at once), then the gateway role and the slash
   * commands (their registration may go on after start()).
   */
  private async setUp(context: AdapterContext, signal: AbortSignal): Promise<{ commands: Promise<void> }> {
    const ask = (what: string, route: `/${string}`) =>
      askAtStart(what, () => this.rest.get(route, { signal }), { signal, log: this.log });
    const app = (await ask('GET /applications/@me', Routes.currentApplication())) as {
      id: string;
      flags?: number;
      bot?: { id?: string };
    };
    const applicationId = this.options.applicationId ?? app.id;
    const botId = app.bot?.id ?? ((await ask('GET /users/@me', Routes.user('@me'))) as { id: string }).id;
    signal.throwIfAborted();
    this.me = { botId };
    const state = context.state(applicationId);
    this.state = state;
    this.intents = this.chooseIntents(app.flags ?? 0);
    const topics = await topicsFor(context, this.log);
    signal.throwIfAborted();
    this.gatewayRole = context.asLeader('gateway', (role) => this.runGateway(role));
    const commands = registerSlashCommands({
      rest: this.rest,
      applicationId,
      guildId: this.options.guildId,
      state,
      topics,
      log: this.log,
      signal,
    });
    return { commands };
  }

  /** Start-up that failed after start() returned (Discord refused the bot): logged, owners told. */
  private async startupFailed(error: unknown, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const line = `Discord is not connected: start-up failed (${toCoreError(error).message})`;
    this.log.error(`discord: ${line}`);
    await this.context?.tellOwners(`${line}.`, 'discord-start-up').catch(() => {});
  }

  private chooseIntents(applicationFlags: number): number {
    const mode = this.options.messageContent ?? 'auto';
    const content = mode === 'on' || (mode === 'auto' && (applicationFlags & MESSAGE_CONTENT_FLAGS) !== 0);
    this.log.info(
      content
        ? 'discord: MESSAGE_CONTENT intent on; still only DMs, @mentions and slash commands are read'
        : 'discord: MESSAGE_CONTENT intent off: DMs, @mentions of the bot and slash commands work (all Hearth reads)',
    );
    return (
      GatewayIntentBits.Guilds |
      GatewayIntentBits.GuildMessages |
      GatewayIntentBits.DirectMessages |
      GatewayIntentBits.GuildMessagePolls |
      GatewayIntentBits.DirectMessagePolls |
      (content ? GatewayIntentBits.MessageContent : 0)
    );
  }

  /** Holds the gateway connection while this instance has the role; events come from raw packets. */
  private async runGateway(signal: AbortSignal): Promise<void> {
    const client = new Client({ intents: this.intents, rest: this.restOptions() });
    let fatal = (_line: string) => {};
    const refused = new Promise<string>((resolve) => {
      fatal = resolve;
    });
    client.on(Events.Raw, (packet: { t?: unknown; d?: unknown }) => {
      if (packet.t) this.onDispatch(packet.t, packet.d);
    });
    client.on(Events.ShardDisconnect, (event: { code: number }) => {
      const line = FATAL_CLOSES[event.code];
      if (line) fatal(line);
    });
    client.on(Events.Error, (error) => this.log.warn({ err: error }, 'discord: gateway error'));
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    let login: Promise<'ready'> | undefined;
    try {
      const ready = new Promise<'ready'>((resolve) =>
        client.once(Events.ClientReady, () => resolve('ready')),
      );
      login = client.login(this.options.token).then(() => ready);
      login.catch(() => {});
      const outcome = await Promise.race([login, refused, aborted.then(() => 'aborted' as const)]);
      if (outcome === 'ready') {
        this.log.info('discord: gateway connected');
        this.firstConnection?.resolve();
        const after = await Promise.race([refused, aborted.then(() => 'aborted' as const)]);
        if (after !== 'aborted') await this.refuse(after, aborted);
      } else if (outcome !== 'aborted') {
        await this.refuse(outcome, aborted);
      }
    } finally {
      // A login still connecting would connect after destroy(): let it settle first (bounded).
      if (login) await Promise.race([login.catch(() => {}), refused, sleep(LOGIN_SETTLE_MS)]);
      await client.destroy().catch(() => {});
    }
  }

  /** A refused connection: one clear line, the owners told, no more logins until restarted. */
  private async refuse(line: string, aborted: Promise<void>): Promise<void> {
    this.log.error(`discord: ${line}`);
    this.firstConnection?.reject(new Error(line));
    await this.context
      ?.tellOwners(`Discord is not connected: ${line}.`, `discord-refused:${line}`)
      .catch(() => {});
    await aborted;
  }

  private context: AdapterContext | undefined;

  private onDispatch(t: unknown, d: unknown): void {
    const me = this.me;
    const receiver = this.receiver;
    if (!me || !receiver) return;
    if (typeof t === 'string')
      for (const left of this.guilds.observe(t, d, new Date(this.now()))) {
        this.log.info({ chatId: left.address.chatId }, 'discord: the bot was removed from a server');
        receiver.receive(left).recorded.catch(() => {});
      }
    if (t === 'MESSAGE_UPDATE') this.onFinalPoll(d);
    const result = normalizeDispatch(t, d, me, this.codec);
    if ('ignored' in result) {
      this.log.debug(
        { dispatch: typeof t === 'string' ? t.slice(0, 40) : undefined },
        `discord: ignored: ${result.ignored}`,
      );
      return;
    }
    if (result.interaction) this.acknowledge(result.interaction);
    const receipt = receiver.receive(result.event);
    if (result.event.kind === 'vote') this.polls.voteInHand(result.event.pollRef, receipt.handled);
    receipt.recorded.catch((error: unknown) => this.log.warn({ err: error }, 'discord: event not recorded'));
  }

  /** A message whose poll was finalized: its counts are compared with Hearth's (once). */
  private onFinalPoll(message: unknown): void {
    const final = finalPollCounts(message);
    if (final)
      void this.polls
        .reconcile(final)
        .catch((error: unknown) => this.log.warn({ err: error }, 'discord: final poll counts not compared'));
  }

  /** Acknowledges an interaction at once (acknowledge.ts); its answer waits for the outcome. */
  private acknowledge(interaction: InteractionToAck): void {
    this.acks.set(interaction.id, acknowledgeInteraction(this.rest, interaction, this.log));
    setTimeout(() => this.acks.delete(interaction.id), 60_000).unref();
  }

  async stop(): Promise<void> {
    this.starting.abort();
    const receiverStopped = this.receiver?.stop();
    await this.gatewayRole?.stop();
    await receiverStopped;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    try {
      this.guard.check();
      return await this.sender.deliver(message);
    } catch (error) {
      const mapped = toCoreError(error);
      // An answer refused without its token keeps Discord's answer as its cause: counted all the same.
      const answer = error instanceof PermanentError && error.cause !== undefined ? error.cause : error;
      if (this.guard.count(answer)) void this.warnOwnersOfGuard();
      throw mapped;
    }
  }

  /** The guard just paused sends: the owners hear it once per pause. */
  private async warnOwnersOfGuard(): Promise<void> {
    const line = this.guard.pauseLine();
    this.log.error(`discord: ${line}`);
    await this.context?.tellOwners(line, `discord-guard:${this.guard.pausedUntil}`).catch(() => {});
  }

  /** True for the one answer (across instances) that edits the interaction's deferred message. */
  private async claimOriginal(interactionId: string): Promise<boolean> {
    if (this.state)
      return (await this.state.compareAndSet(`answered:${interactionId}`, null, this.now())) !== undefined;
    if (this.answeredHere.has(interactionId)) return false;
    this.answeredHere.add(interactionId);
    return true;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Polls `check` every 50 ms until it holds or `ms` pass. */
async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}
