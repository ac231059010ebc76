import type {
  AdapterContext,
  Capabilities,
  EventSink,
  PlatformAdapter,
  RateWindow,
} from '../core/adapter.ts';
import type { ChatAddress, Platform } from '../core/events.ts';
import type { Logger } from '../core/log.ts';
import { InboundReceiver } from '../core/receiver.ts';
import type { Secrets } from '../core/secrets.ts';
import { AdapterStateStore } from '../db/adapter-state-store.ts';
import type { Db } from '../db/database.ts';
import { LeaseStore } from '../db/lease-store.ts';
import type { SendRateLimiter } from '../delivery/rate-limiter.ts';
import { formatUsd, PlatformUsage } from '../metrics/usage.ts';
import { Leadership } from './leadership.ts';

/** Account windows of this length or longer are primed at start from the sends an earlier run made. */
const PRIME_FROM_WINDOW_MS = 60_000;

export interface AdapterStatus {
  platform: Platform;
  started: boolean;
  error?: string;
}

export interface RunningAdaptersOptions {
  adapters: PlatformAdapter[];
  db: Db;
  limiter: SendRateLimiter;
  log: Logger;
  /** Per-platform overrides of the account rate, in sends per second (SEND_RATE_LIMITS). */
  rateOverrides: Partial<Record<string, number>>;
  now: () => Date;
  /** Waits between attempts to record an event while the database is down (tests shorten them). */
  recordRetriesMs?: readonly number[];
  /** This instance's name in leases. */
  instanceId: string;
  /** Lease of a singleton role (LEADER_LEASE_MS): how soon another instance takes over a dead one's. */
  leaseMs: number;
  /** Secret values kept out of the statuses. */
  secrets: Secrets;
  /** Posts a plain note to the owners' room through the outbox (AdapterContext.tellOwners). */
  tellOwners: (text: string, dedupeKey?: string) => Promise<void>;
}

/**
 * The adapters of one Hearth and their lifecycle: each gets its context at start (a receiver into
 * the core, durable state), its declared rate windows go to the limiter (primed with recent sends),
 * and stop drains its receiver.
 */
export class RunningAdapters {
  private readonly adapters = new Map<Platform, PlatformAdapter>();
  private readonly status = new Map<Platform, AdapterStatus>();
  private readonly receivers = new Map<Platform, InboundReceiver>();
  readonly leadership: Leadership;
  /** Billed units of platforms that charge per message (Capabilities.usagePricing). */
  readonly usage: PlatformUsage;

  constructor(private readonly options: RunningAdaptersOptions) {
    for (const adapter of options.adapters) {
      // One adapter per platform: the console must never stand in for a platform a real adapter serves.
      if (this.adapters.has(adapter.platform)) {
        throw new Error(
          `two adapters for ${adapter.platform}: a platform has one adapter, real or simulated`,
        );
      }
      this.adapters.set(adapter.platform, adapter);
    }
    this.usage = new PlatformUsage(options.db, options.now);
    this.leadership = new Leadership({
      store: new LeaseStore(options.db),
      holder: options.instanceId,
      ttlMs: options.leaseMs,
      log: options.log.child({ part: 'leadership' }),
    });
  }

  get(platform: Platform): PlatformAdapter | undefined {
    return this.adapters.get(platform);
  }

  /** The adapter of a platform, only while it runs. */
  running(platform: Platform): PlatformAdapter | undefined {
    return this.status.get(platform)?.started ? this.adapters.get(platform) : undefined;
  }

  all(): PlatformAdapter[] {
    return [...this.adapters.values()];
  }

  capabilitiesOf(platform: Platform): Capabilities | undefined {
    return this.adapters.get(platform)?.capabilities;
  }

  /** The owners' room, from the adapter that hosts it (Slack), if one does. */
  ownersChannel(): ChatAddress | undefined {
    for (const adapter of this.adapters.values()) if (adapter.ownersChannel) return adapter.ownersChannel;
    return undefined;
  }

  startedPlatforms(): Platform[] {
    return [...this.adapters.keys()].filter((p) => this.status.get(p)?.started);
  }

  statuses(): AdapterStatus[] {
    return [...this.adapters.keys()].map((platform) => ({
      platform,
      started: false,
      ...this.status.get(platform),
    }));
  }

  /** The windows the limiter uses for a platform: the adapter's, with a per-second override applied. */
  rateWindows(adapter: PlatformAdapter): RateWindow[] {
    const windows = [...adapter.capabilities.rateLimits];
    const override = this.options.rateOverrides[adapter.platform];
    if (override === undefined) return windows;
    const kept = windows.filter((w) => w.scope !== 'account' || w.windowMs > 1000);
    return [{ scope: 'account', limit: override, windowMs: 1000 }, ...kept];
  }

  /** Starts every adapter; one that fails is reported in its status, the others run. */
  async startAll(sink: EventSink): Promise<void> {
    await Promise.all(this.all().map((adapter) => this.start(adapter, sink)));
  }

  private async start(adapter: PlatformAdapter, sink: EventSink): Promise<void> {
    const { limiter, log, db } = this.options;
    const platform = adapter.platform;
    limiter.configure(platform, this.rateWindows(adapter));
    const adapterLog = log.child({ platform });
    const receiver = new InboundReceiver(sink, {
      platform,
      log: adapterLog,
      ...(this.options.recordRetriesMs ? { retryWaitsMs: this.options.recordRetriesMs } : {}),
    });
    this.receivers.set(platform, receiver);
    const context: AdapterContext = {
      receiver,
      state: (account) => new AdapterStateStore(db, platform, account),
      asLeader: (role, lead) => this.leadership.hold(`${platform}:${role}`, lead),
      tellOwners: (text, dedupeKey) => this.options.tellOwners(text, dedupeKey),
      ...(adapter.capabilities.usagePricing
        ? {
            countUsage: (usage) => void this.countUsage(adapter, usage),
            spentThisMonthUsd: () => this.spentThisMonth(adapter),
          }
        : {}),
      topics: async () =>
        (await db.topic.findMany({ orderBy: { name: 'asc' }, select: { name: true } })).map((t) => t.name),
      pollVotes: (nativePollId) => platformPollVotes(db, platform, nativePollId),
      log: adapterLog,
    };
    try {
      await this.primeLimiter(platform);
      await adapter.start(context);
      this.status.set(platform, { platform, started: true });
    } catch (error) {
      // The status is public (/health): an SDK's error may quote a URL with a token in it.
      const message = this.options.secrets.redact(error instanceof Error ? error.message : String(error));
      this.status.set(platform, { platform, started: false, error: message });
      log.error({ err: error, platform }, `${platform} adapter failed to start: ${message}`);
    }
  }

  /**
   * Adds billed units to the platform's daily count; near (80 %) and at the monthly budget the
   * owners are told once a month each.
   */
  private async countUsage(
    adapter: PlatformAdapter,
    usage: { inbound?: number; outbound?: number },
  ): Promise<void> {
    const pricing = adapter.capabilities.usagePricing;
    if (!pricing) return;
    try {
      await this.usage.add(adapter.platform, usage);
      const budget = pricing.monthlyBudgetUsd;
      if (budget === undefined || budget <= 0) return;
      const at = this.options.now();
      const month = await this.usage.monthToDate(adapter.platform, pricing, at);
      const share = month.usd / budget;
      if (share < 0.8) return;
      const level = share >= 1 ? 100 : 80;
      const spent = `${pricing.platformName}: ${formatUsd(month.usd)} of the $${budget.toFixed(2)} monthly budget is spent (${month.inbound} ${pricing.unit} in, ${month.outbound} out since the 1st).`;
      const advice =
        level === 100
          ? ' Every further message costs more than planned: raise the monthly budget setting, or pause broadcasts there.'
          : ' Consider pausing broadcasts there; replies to customers go on.';
      await this.options.tellOwners(
        `${spent}${advice}`,
        `usage-budget:${adapter.platform}:${at.toISOString().slice(0, 7)}:${level}`,
      );
    } catch (error) {
      this.options.log.warn({ err: error, platform: adapter.platform }, 'usage not counted');
    }
  }

  private async spentThisMonth(adapter: PlatformAdapter): Promise<number> {
    const pricing = adapter.capabilities.usagePricing;
    if (!pricing) return 0;
    return (await this.usage.monthToDate(adapter.platform, pricing, this.options.now())).usd;
  }

  /** Counts the sends of the platform's longest windows that an earlier run made (from the outbox). */
  private async primeLimiter(platform: Platform): Promise<void> {
    const { limiter, db, now } = this.options;
    const longest = limiter.longestWindowMs(platform);
    if (longest < PRIME_FROM_WINDOW_MS) return;
    const since = new Date(now().getTime() - longest);
    const rows = await db.outbox.findMany({
      where: { platform, status: 'sent', sentAt: { gte: since } },
      select: { sentAt: true },
    });
    limiter.prime(
      platform,
      rows.flatMap((r) => (r.sentAt ? [r.sentAt.getTime()] : [])),
    );
  }

  /** Stops every adapter (each drains its receiver); the receivers are drained again to be sure. */
  async stopAll(): Promise<void> {
    await Promise.allSettled(this.all().map((adapter) => adapter.stop()));
    await Promise.allSettled([...this.receivers.values()].map((receiver) => receiver.stop()));
    await this.leadership.stop();
  }
}

/**
 * Votes per option recorded through `platform` for the native poll posted there as `nativePollId`;
 * undefined when it is no Hearth poll or the poll has several posts there (votes are not kept per post).
 */
async function platformPollVotes(
  db: Db,
  platform: Platform,
  nativePollId: string,
): Promise<number[] | undefined> {
  const post = await db.pollPost.findUnique({
    where: { platform_nativePollId: { platform, nativePollId } },
    select: { pollId: true },
  });
  if (!post) return undefined;
  if ((await db.pollPost.count({ where: { pollId: post.pollId, platform } })) !== 1) return undefined;
  const [options, votes] = await Promise.all([
    db.pollOption.count({ where: { pollId: post.pollId } }),
    db.vote.groupBy({ by: ['optionIdx'], where: { pollId: post.pollId, platform }, _count: { _all: true } }),
  ]);
  const counts = Array.from({ length: options }, () => 0);
  for (const row of votes) if (row.optionIdx < options) counts[row.optionIdx] = row._count._all;
  return counts;
}
