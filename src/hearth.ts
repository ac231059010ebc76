import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type AdapterStatus, RunningAdapters } from './app/adapters.ts';
import { HearthContext, type Services } from './app/context.ts';
import type { Feature, FeatureFactory } from './app/feature.ts';
import type { Config } from './config.ts';
import type { Capabilities, PlatformAdapter } from './core/adapter.ts';
import { Bot } from './core/bot.ts';
import type { EnqueueRequest } from './core/context.ts';
import type { Platform } from './core/events.ts';
import type { Logger } from './core/log.ts';
import { Secrets } from './core/secrets.ts';
import type { Database } from './db/database.ts';
import { Outbox, SENT_MARK_LINGER_MS } from './delivery/outbox.ts';
import { SendRateLimiter } from './delivery/rate-limiter.ts';
import { SharedPace } from './delivery/shared-pace.ts';
import { DeliveryWorker } from './delivery/worker.ts';
import { FEATURES } from './features/index.ts';
import { assertConsoleProtected } from './http/exposure.ts';
import { isHttpMountable } from './http/routes.ts';
import { type HttpLimits, HttpServer } from './http/server.ts';
import { MemberDirectory } from './members/directory.ts';
import { ProcessedEvents } from './members/processed-events.ts';
import { MetricsRecorder } from './metrics/recorder.ts';
import { createOwners } from './owners/owners.ts';
import { ownerRouter } from './owners/router.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import type { SystemJob } from './scheduler/system-job.ts';

export interface HearthOptions {
  config: Config;
  log: Logger;
  database: Database;
  adapters: PlatformAdapter[];
  features?: FeatureFactory[];
  now?: () => Date;
  /** Serve HTTP (console, health, webhooks) on config.PORT; tests may pass false. */
  http?: boolean;
  /** Waits between attempts to record an inbound event while the database is down. */
  recordRetriesMs?: readonly number[];
  /** Body size and slow-client limits of the HTTP server (defaults in src/http/server.ts). */
  httpLimits?: Partial<HttpLimits>;
  /** Secret values never shown in /health (an adapter's start error may quote a URL with a token). */
  secrets?: Secrets;
}

export interface HealthStatus {
  status: 'ok' | 'degraded';
  db: 'ok' | 'down';
  database: Database['kind'];
  adapters: AdapterStatus[];
  /** This instance, and the singleton roles it holds now (e.g. `telegram:polling`). */
  instance: string;
  roles: string[];
  uptimeSeconds: number;
  /** Outbox rows this instance holds in memory, and sends made whose outcome is not stored yet. */
  delivery: { inHand: number; awaitingRecord: number };
}

/** A running Hearth: database, bot, features, adapters, delivery worker and HTTP server. */
export class Hearth {
  readonly services: Services;
  readonly outbox: Outbox;
  readonly worker: DeliveryWorker;
  readonly bot: Bot<HearthContext>;
  readonly features: Feature[];
  readonly http: HttpServer;
  readonly limiter: SendRateLimiter;
  readonly scheduler: Scheduler;
  private readonly adapters: RunningAdapters;
  /** This process among the instances sharing the database (leases, logs, /health). */
  readonly instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
  private readonly startedAt = Date.now();
  port: number | undefined;

  constructor(private readonly options: HearthOptions) {
    const { config, log, database } = options;
    const db = database.prisma;
    const now = options.now ?? (() => new Date());
    this.outbox = new Outbox(
      db,
      database.kind === 'postgres' ? 0 : SENT_MARK_LINGER_MS,
      database.kind === 'postgres',
      database.immediate,
    );
    this.outbox.departures.resendInDoubt(
      options.adapters.filter((a) => a.capabilities.idempotentResend).map((a) => a.platform),
    );
    // With PostgreSQL (several instances may share it) the platforms' paces are kept there.
    this.limiter = new SendRateLimiter(
      () => now().getTime(),
      database.kind === 'postgres' ? new SharedPace(db) : undefined,
    );
    this.adapters = new RunningAdapters({
      adapters: options.adapters,
      db,
      limiter: this.limiter,
      log,
      rateOverrides: config.SEND_RATE_LIMITS,
      now,
      ...(options.recordRetriesMs ? { recordRetriesMs: options.recordRetriesMs } : {}),
      instanceId: this.instanceId,
      leaseMs: config.LEADER_LEASE_MS,
      secrets: options.secrets ?? new Secrets(),
      tellOwners: (text, dedupeKey) => this.tellOwners(text, dedupeKey),
    });
    this.worker = new DeliveryWorker({
      outbox: this.outbox,
      limiter: this.limiter,
      adapterFor: (platform) => this.adapters.running(platform),
      log: log.child({ part: 'delivery' }),
      pollMs: config.OUTBOX_POLL_MS,
      batchSize: config.OUTBOX_BATCH_SIZE,
      maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
      leaseMs: config.OUTBOX_LEASE_MS,
      now,
    });
    const owners = createOwners(this.adapters.ownersChannel());
    this.scheduler = new Scheduler({
      db,
      log: log.child({ part: 'scheduler' }),
      now,
      graceMs: config.SCHEDULE_GRACE_MINUTES * 60_000,
      report: (text, key) => this.tellOwners(text, key),
    });
    this.services = {
      config,
      db,
      outbox: this.outbox,
      members: new MemberDirectory(db),
      metrics: new MetricsRecorder(db),
      log,
      capabilitiesOf: (platform) => this.adapters.capabilitiesOf(platform),
      sendRateOf: (platform) => this.limiter.rateOf(platform),
      owners,
      platforms: () => this.adapters.startedPlatforms(),
      wakeDelivery: () => this.worker.wake(),
      now,
      scheduler: this.scheduler,
      databaseKind: database.kind,
    };
    this.features = (options.features ?? FEATURES).map((factory) => factory(this.services));
    this.scheduler.addJobs(this.features.flatMap((f) => f.jobs ?? []));
    const processed = new ProcessedEvents(db);
    const enqueue = async (request: EnqueueRequest) => {
      const { id, handedOff } = await this.outbox.submit(request);
      if (!handedOff) this.worker.wake();
      return id;
    };
    this.bot = new Bot<HearthContext>({
      log,
      markProcessed: (event) => processed.markProcessed(event),
      markHandled: (event) => processed.markHandled(event),
      createContext: (event) =>
        new HearthContext(
          event,
          { enqueue, log: log.child({ event: event.id, platform: event.address.platform }) },
          this.services,
        ),
    });
    this.scheduler.addJobs([recoveryJob(processed, this.bot, config)]);
    this.bot.use(async (ctx, next) => {
      ctx.member = await this.services.members.identify(ctx.event);
      // The fact is written alongside the handling, together with those of the next few
      // milliseconds (the reply does not wait for it); the event completes once both are stored.
      const received =
        ctx.event.kind === 'message' || ctx.event.kind === 'command'
          ? this.services.metrics.recordInBackground({
              type: 'message_received',
              platform: ctx.event.address.platform,
              memberId: ctx.member.memberId,
            })
          : undefined;
      received?.catch(() => {}); // awaited below; no unhandled-rejection report while next() runs
      try {
        await next();
      } finally {
        await received;
      }
    });
    this.bot.use(ownerRouter(this.features.flatMap((f) => f.ownerCommands ?? [])).middleware());
    for (const feature of this.features) {
      if (feature.composer) this.bot.use(feature.composer.middleware());
      if (feature.delivery) this.worker.addListener(feature.delivery);
    }
    this.http = new HttpServer(log.child({ part: 'http' }), {
      bearerToken: config.CONSOLE_TOKEN,
      protectedPrefixes: ['/console'],
      ...(options.httpLimits ? { limits: options.httpLimits } : {}),
    });
  }

  /** Applies migrations, starts features, adapters, the worker and the HTTP server. */
  async start(): Promise<void> {
    const { log, database, config } = this.options;
    const applied = await database.migrate();
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    this.http.json('GET', '/health', async () => {
      const health = await this.health();
      return { status: health.db === 'ok' ? 200 : 503, body: health };
    });
    for (const feature of this.features) {
      await feature.start?.();
      feature.mount?.(this.http);
    }
    for (const adapter of this.adapters.all()) {
      if (isHttpMountable(adapter)) adapter.mount(this.http);
    }
    if (this.options.http !== false) {
      assertConsoleProtected(config);
      this.port = await this.http.listen(config.PORT, config.HOST);
    }
    await this.adapters.startAll((event, progress) => this.bot.dispatch(event, progress));
    const started = this.adapters.startedPlatforms();
    log.info(
      { adapters: started, database: database.kind, port: this.port },
      `adapters started: ${started.join(', ') || 'none'}`,
    );
    this.worker.start();
    await this.scheduler.start();
  }

  /** A plain note to the owners' room, through the outbox; `dedupeKey` sends it once. */
  async tellOwners(text: string, dedupeKey?: string): Promise<void> {
    await this.outbox.enqueue({
      to: this.services.owners.channel,
      content: { text },
      ...(dedupeKey ? { dedupeKey } : {}),
    });
    this.worker.wake();
  }

  adapter(platform: Platform): PlatformAdapter | undefined {
    return this.adapters.get(platform);
  }

  capabilities(platform: Platform): Capabilities | undefined {
    return this.adapters.capabilitiesOf(platform);
  }

  async health(): Promise<HealthStatus> {
    const dbOk = await this.options.database.ping();
    const adapters = this.adapters.statuses();
    return {
      status: dbOk && adapters.every((a) => a.started) ? 'ok' : 'degraded',
      db: dbOk ? 'ok' : 'down',
      database: this.options.database.kind,
      adapters,
      instance: this.instanceId,
      roles: this.adapters.leadership.held(),
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      delivery: this.worker.inFlight(),
    };
  }

  /** Stops taking events, lets in-flight sends finish, closes everything. */
  async stop(): Promise<void> {
    const log = this.options.log;
    await this.scheduler.stop().catch((error: unknown) => log.error({ err: error }, 'scheduler stop failed'));
    await this.adapters.stopAll();
    await this.worker.stop();
    for (const feature of [...this.features].reverse()) {
      await feature
        .stop?.()
        .catch((error: unknown) => log.error({ err: error, feature: feature.name }, 'feature stop failed'));
    }
    await this.http.close();
    await this.options.database.close();
  }
}

/**
 * Events recorded (and acknowledged to their platform) whose handling never finished, because the
 * process handling them died: every minute, one instance handles those older than a handler can
 * take (at least a minute; three LLM timeouts) again, unless their replies were already enqueued
 * (only the handled mark died): those are just marked handled.
 */
function recoveryJob(processed: ProcessedEvents, bot: Bot<HearthContext>, config: Config): SystemJob {
  const staleMs = Math.max(60_000, 3 * config.SUPPORT_LLM_TIMEOUT_MS);
  return {
    name: 'inbound.recover',
    cron: '* * * * *',
    timezone: 'UTC',
    async run() {
      const events = await processed.takeUnhandled(staleMs);
      const answered = await processed.alreadyAnswered(events);
      for (const event of events) {
        if (answered.has(event)) await processed.markHandled(event);
        else await bot.redispatch(event);
      }
    },
  };
}
