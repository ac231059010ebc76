import { setTimeout as sleep } from 'node:timers/promises';
import type { LeaderRole } from '../core/adapter.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { LeaseStore } from '../db/lease-store.ts';

/** Longest wait before work that keeps failing is started again. */
const MAX_RETRY_MS = 5 * 60_000;

export interface LeadershipOptions {
  store: LeaseStore;
  /** This instance, as lease holders are named. */
  holder: string;
  /** How long a lease lasts without renewal: the longest another instance waits to take over. */
  ttlMs: number;
  log: Logger;
  /** A monotonic clock in ms (tests drive it). */
  now?: () => number;
}

/**
 * Singleton roles (a long-polling loop, a gateway connection) held by exactly one instance at a time
 * through leases in the database. The holder renews every third of the lease; it gives the role up
 * (aborting its work) when a renewal has not succeeded for most of a lease, so cut off from the
 * database it stops before the lease expires and another instance can take the role.
 */
export class Leadership {
  private readonly roles = new Map<string, RoleLoop>();

  constructor(private readonly options: LeadershipOptions) {}

  /** Runs `lead` whenever this instance holds `role` (again after it was lost and won back). */
  hold(role: string, lead: (signal: AbortSignal) => Promise<void>): LeaderRole {
    const existing = this.roles.get(role);
    if (existing) return existing;
    const loop = new RoleLoop(role, lead, this.options);
    this.roles.set(role, loop);
    loop.start();
    return loop;
  }

  /** The roles this instance holds now. */
  held(): string[] {
    return [...this.roles.values()].filter((r) => r.held).map((r) => r.role);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.roles.values()].map((role) => role.stop()));
  }
}

class RoleLoop implements LeaderRole {
  private leading: { abort: AbortController; done: Promise<void> } | undefined;
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** Work that ended by itself (a failure) is not started again before this time; doubles each time. */
  private retryAt = 0;
  private failures = 0;
  private readonly now: () => number;
  private readonly renewMs: number;
  /** Give the role up this long before the lease would expire without a renewal. */
  private readonly marginMs: number;

  constructor(
    readonly role: string,
    private readonly lead: (signal: AbortSignal) => Promise<void>,
    private readonly options: LeadershipOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.renewMs = Math.max(10, Math.floor(options.ttlMs / 3));
    this.marginMs = Math.floor(options.ttlMs / 5);
  }

  get held(): boolean {
    return this.leading !== undefined;
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    await this.giveUp('stopping');
    await this.options.store
      .release(this.role, this.options.holder)
      .catch((error: unknown) =>
        this.options.log.warn({ err: error, role: this.role }, 'lease not released'),
      );
  }

  private async loop(): Promise<void> {
    const { store, holder, ttlMs, log } = this.options;
    while (!this.stopping.signal.aborted) {
      const wait = this.retryAt - this.now();
      if (!this.leading && wait > 0) {
        await sleep(wait, undefined, { signal: this.stopping.signal }).catch(() => {});
        continue;
      }
      const sentAt = this.now();
      let outcome: 'held' | 'taken' | 'unknown' = 'unknown';
      try {
        outcome = (await store.acquire(this.role, holder, ttlMs)) ? 'held' : 'taken';
      } catch (error) {
        // Unknown: the watchdog gives the role up if no renewal succeeds in time.
        log.warn({ err: errorMessage(error), role: this.role }, `${this.role}: lease not renewed`);
      }
      if (this.stopping.signal.aborted) break;
      if (outcome === 'held') {
        this.armWatchdog(sentAt);
        if (!this.leading) this.begin();
      } else if (outcome === 'taken') {
        await this.giveUp('another instance holds it');
      }
      await sleep(this.renewMs, undefined, { signal: this.stopping.signal }).catch(() => {});
    }
  }

  /** Lost unless a renewal sent after `sentAt` succeeds before the lease could have expired. */
  private armWatchdog(sentAt: number): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    const wait = Math.max(0, sentAt + this.options.ttlMs - this.marginMs - this.now());
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      void this.giveUp('no renewal in time (database unreachable?)');
    }, wait);
  }

  private begin(): void {
    const { log } = this.options;
    const abort = new AbortController();
    log.info({ role: this.role }, `${this.role}: this instance holds the role`);
    const started = this.now();
    const done = this.lead(abort.signal).then(
      () => {
        if (!abort.signal.aborted) log.warn({ role: this.role }, `${this.role}: ended by itself`);
      },
      (error: unknown) => log.error({ err: error, role: this.role }, `${this.role}: failed`),
    );
    this.leading = { abort, done };
    void done.then(async () => {
      // Ended without being asked to (a failure): give the role up, and try again after a backoff
      // (a crash loop must not, say, spend a gateway's daily logins). A long run resets it.
      if (this.leading?.abort !== abort) return;
      this.failures = this.now() - started > 10 * this.options.ttlMs ? 1 : this.failures + 1;
      this.retryAt = this.now() + Math.min(MAX_RETRY_MS, this.renewMs * 2 ** this.failures);
      await this.giveUp('its work ended');
      await this.options.store.release(this.role, this.options.holder).catch(() => {});
    });
  }

  private async giveUp(why: string): Promise<void> {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
    const leading = this.leading;
    if (!leading) return;
    this.leading = undefined;
    this.options.log.warn({ role: this.role }, `${this.role}: role given up (${why})`);
    leading.abort.abort();
    await leading.done;
  }
}
