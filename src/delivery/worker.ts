import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlatformAdapter } from '../core/adapter.ts';
import { RateLimitedError } from '../core/errors.ts';
import type { Platform } from '../core/events.ts';
import type { Logger } from '../core/log.ts';
import type { OutboundMessage, SendResult } from '../core/outbound.ts';
import { ClaimBudget } from './claim-budget.ts';
import { type DeliveryListener, DeliveryListeners } from './listeners.ts';
import { addressOf, chatGroups, chatKey, type DirectTaker, type Outbox, type OutboxRow } from './outbox.ts';
import { SendOutcomes } from './outcomes.ts';
import type { SendRateLimiter } from './rate-limiter.ts';
import { SendTurn, takeTurn } from './send-turn.ts';

export interface WorkerOptions {
  outbox: Outbox;
  limiter: SendRateLimiter;
  adapterFor(platform: Platform): PlatformAdapter | undefined;
  log: Logger;
  pollMs: number;
  batchSize: number;
  maxAttempts: number;
  leaseMs: number;
  now?: () => Date;
}

/** A row is sent only while at least this much (or a quarter) of its lease is left; else it is renewed first. */
const LEASE_RENEW_MARGIN_MS = 500;

/** Times a row is held again when holding it made it late for its turn. */
const MAX_DEPARTURE_TRIES = 3;

/** Wait before retrying a row whose platform has no running adapter. */
const NO_ADAPTER_RETRY_MS = 60_000;

/** Longest a claimed row waits in memory (turn, pause, Retry-After); longer, it goes back to the table. */
const MAX_SLOT_DELAY_MS = 2_000;

/** A row waits out a short refusal or 429 in memory this many times before it goes back to the table. */
const MAX_WAITS_IN_MEMORY = 5;

/** Claims take rows due this soon (each waits in memory until due), so paced rows are at hand in time. */
const CLAIM_LOOKAHEAD_MS = 250;

/** Pause between claims while the queue is not backed up (a wake() still claims at once). */
const TRICKLE_CLAIM_MS = 20;

/**
 * Claims due outbox rows and sends them through the rate limiter and the platform's adapter:
 * a 429 → waited out in memory when short, else back in the queue after exactly the time asked;
 * transient errors → backoff; permanent → dead letter. Safe to run in several processes at once
 * (claims use SKIP LOCKED).
 *
 * Running, it keeps each platform's pipe full: it claims again while earlier rows are still being
 * sent, up to about a second of each platform's rate held in memory (ClaimBudget), and each row
 * waits for its turn at the limiter. A chat's rows are sent one after another, in queue order.
 */
export class DeliveryWorker implements DirectTaker {
  readonly id = `worker-${randomUUID().slice(0, 8)}`;
  private readonly listeners: DeliveryListeners;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeRequested = false;
  private waitingForRoom = false;
  /** The queue may hold rows (the last claim filled up, or rows came since it began): new ones queue too. */
  private backlogged = false;
  private queuedCount = 0;
  /** Claimed rows not finished yet, and how many more the next claim may take. */
  private readonly budget: ClaimBudget;
  /**
   * Rows in memory, by id. A row whose lease ran out while it waited here (a stalled process) is
   * claimed again by the next claim; this copy is dropped, so the row is not sent twice.
   */
  private readonly inHand = new Set<string>();
  /**
   * Rows sent whose mark is not stored yet. If their lease runs out meanwhile (a slow database) a
   * claim may return them again: they must not be sent twice, so they count as in hand until marked.
   */
  private readonly awaitingMark = new Set<string>();
  /** Per chat, the last of its deliveries in memory: the next group of that chat goes after it. */
  private readonly chats = new Map<string, Promise<void>>();
  /** Chats whose row was put back to wait, and until when: their later rows wait as long. */
  private readonly deferredChats = new Map<string, number>();
  private readonly outcomes: SendOutcomes;
  private readonly now: () => Date;

  constructor(private readonly options: WorkerOptions) {
    this.now = options.now ?? (() => new Date());
    this.budget = new ClaimBudget(options.limiter, options.batchSize);
    this.listeners = new DeliveryListeners(options.log);
    this.outcomes = new SendOutcomes({
      workerId: this.id,
      outbox: options.outbox,
      limiter: options.limiter,
      listeners: this.listeners,
      log: options.log,
      maxAttempts: options.maxAttempts,
      now: this.now,
    });
  }

  addListener(listener: DeliveryListener): void {
    this.listeners.add(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.backlogged = true; // until the first claim has looked at the queue
    this.options.outbox.handOffTo(this, this.options.leaseMs);
    this.schedule(0);
  }

  /** Room for new rows of `platform` taken straight from their INSERT (DirectTaker). */
  roomFor(platform: Platform): number {
    if (!this.running || this.backlogged || !this.options.adapterFor(platform)) return 0;
    return this.budget.roomFor(platform);
  }

  /** Delivers rows stored leased to this worker (DirectTaker), each chat in order. */
  take(rows: OutboxRow[]): void {
    if (this.running) for (const group of chatGroups(rows)) void this.dispatchChat(group);
    else
      void this.releaseAll(rows, this.now()).catch((err: unknown) =>
        this.options.log.error({ err }, 'release failed'),
      );
  }

  /** Rows went to the queue (DirectTaker): later rows of their chats must not overtake them. */
  queued(): void {
    this.queuedCount++;
    this.backlogged = true;
  }

  /** Asks for a pass now (after an enqueue), instead of at the next poll. */
  wake(): void {
    this.queued();
    if (!this.running) return;
    if (this.loop) this.wakeRequested = true;
    else if (!this.waitingForRoom) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.options.outbox.handOffTo(undefined, 0);
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
    await Promise.all([...this.chats.values()]);
    await this.outcomes.settled();
  }

  /** Rows held in memory here, and sends made whose outcome is not stored yet (for /health). */
  readonly inFlight = () => ({ inHand: this.inHand.size, awaitingRecord: this.awaitingMark.size });

  /** Runs passes until no row is due now; used by tests and benchmarks. */
  async drain(): Promise<void> {
    while ((await this.runOnce()) > 0) {}
  }

  /** One pass: claims a batch, sends it and records the outcome. Returns how many rows were claimed. */
  async runOnce(): Promise<number> {
    const { rows, deliveries } = await this.claimAndDispatch();
    await Promise.all(deliveries);
    await this.outcomes.settled();
    return rows;
  }

  /** Claims what the platforms can take soon and starts delivering it, each chat in order. */
  private async claimAndDispatch(): Promise<{ rows: number; limit: number; deliveries: Promise<void>[] }> {
    const { outbox, leaseMs } = this.options;
    const { limit, exclude } = this.budget.next();
    if (limit <= 0) return { rows: 0, limit, deliveries: [] };
    const rows = await outbox.claim(this.id, limit, this.now(), leaseMs, {
      excludePlatforms: exclude,
      lookaheadMs: CLAIM_LOOKAHEAD_MS,
    });
    this.sweepDeferred();
    const deliveries = chatGroups(rows).map((group) => this.dispatchChat(group));
    return { rows: rows.length, limit, deliveries };
  }

  /** Queues a chat's claimed rows behind the chat's earlier ones still in memory. */
  private dispatchChat(claimed: OutboxRow[]): Promise<void> {
    const group = claimed.filter((row) => {
      const id = row.id.toString();
      return !this.inHand.has(id) && !this.awaitingMark.has(id);
    });
    if (group.length < claimed.length) {
      this.options.log.warn(
        { rows: claimed.length - group.length },
        'claimed rows already in hand again (their lease ran out while they waited); not sent twice',
      );
    }
    const first = group[0];
    if (!first) return Promise.resolve();
    for (const row of group) this.inHand.add(row.id.toString());
    const key = chatKey(first);
    this.hold(first.platform, group.length);
    const previous = this.chats.get(key) ?? Promise.resolve();
    const delivery = previous
      .then(() => this.deliverInOrder(key, group))
      .catch((error: unknown) =>
        this.options.log.error({ err: error }, 'delivery failed; the rows are retried after their lease'),
      )
      .finally(() => {
        this.hold(first.platform, -group.length);
        for (const row of group) this.inHand.delete(row.id.toString());
        if (this.chats.get(key) === delivery) this.chats.delete(key);
      });
    this.chats.set(key, delivery);
    return delivery;
  }

  private hold(platform: Platform, change: number): void {
    this.budget.hold(platform, change);
    if (change < 0 && this.waitingForRoom && this.budget.next().limit >= this.options.batchSize / 2) {
      this.waitingForRoom = false;
      if (this.running && !this.loop) this.schedule(0);
    }
  }

  /**
   * Sends one chat's rows one after another (replies to a chat arrive in the order they were queued).
   * Once a row is put back to wait, the rest of the chat waits with it, so none overtakes it.
   */
  private async deliverInOrder(key: string, group: OutboxRow[]): Promise<void> {
    for (let i = 0; i < group.length; i++) {
      const waiting = this.deferredChats.get(key) ?? 0;
      if (waiting > this.now().getTime()) return this.releaseAll(group.slice(i), new Date(waiting));
      const until = await this.deliver(group[i] as OutboxRow);
      if (until) {
        this.deferredChats.set(key, until.getTime());
        return this.releaseAll(group.slice(i + 1), until);
      }
    }
  }

  private async releaseAll(rows: OutboxRow[], until: Date): Promise<void> {
    for (const row of rows) await this.options.outbox.release(row, this.id, until, null, false);
  }

  /** Forgets chats whose wait is over. */
  private sweepDeferred(): void {
    if (this.deferredChats.size < 1000) return;
    const now = this.now().getTime();
    for (const [key, until] of this.deferredChats) if (until <= now) this.deferredChats.delete(key);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.loop = this.pass().finally(() => {
        this.loop = undefined;
      });
    }, delayMs);
  }

  private async pass(): Promise<void> {
    let claimed = 0;
    let limit = 0;
    const queuedBefore = this.queuedCount;
    try {
      this.wakeRequested = false;
      ({ rows: claimed, limit } = await this.claimAndDispatch());
    } catch (error) {
      this.options.log.error({ err: error }, 'delivery pass failed; retrying at the next poll');
    }
    if (!this.running) return;
    if (limit <= 0) {
      this.backlogged = true;
      // Enough in memory: claim again once sends make room (see hold()), or at the next poll.
      this.waitingForRoom = true;
      this.schedule(this.options.pollMs);
      return;
    }
    this.waitingForRoom = false;
    this.backlogged = claimed >= limit || this.queuedCount !== queuedBefore;
    if (claimed >= limit || this.wakeRequested) this.schedule(0);
    else this.schedule(claimed > 0 ? TRICKLE_CLAIM_MS : this.options.pollMs);
  }

  /**
   * Sends one row when its slot comes (a success is recorded); returns when it was put back to wait,
   * if it was. Short waits (a full window, a pause, a 429 asking for a moment) are waited out here;
   * longer ones put the row back in the table.
   */
  private async deliver(row: OutboxRow): Promise<Date | undefined> {
    const { outbox, limiter } = this.options;
    const adapter = this.options.adapterFor(row.platform);
    if (!adapter) {
      return this.outcomes.retryOrDie(
        row,
        new Error(`no running adapter for ${row.platform}`),
        NO_ADAPTER_RETRY_MS,
      );
    }
    const early = row.availableAt.getTime() - this.now().getTime();
    if (early > 0) await sleep(early);
    for (let waits = 0; ; waits++) {
      const { waitMs, departure } = await takeTurn(limiter, row, MAX_SLOT_DELAY_MS);
      if (waitMs > 0) {
        if (waitMs <= MAX_SLOT_DELAY_MS && waits < MAX_WAITS_IN_MEMORY) {
          await sleep(waitMs);
          continue;
        }
        const at = new Date(this.now().getTime() + waitMs);
        await outbox.release(row, this.id, at, null, false);
        return at;
      }
      const turn = new SendTurn(limiter, row.platform, departure);
      if (!(await this.stillOurs(row))) {
        turn.landed();
        return undefined; // its lease ran out while it waited, and another worker took it
      }
      let result: SendResult;
      let departed: Promise<void> | undefined;
      // The departure is recorded right before the request's bytes are handed to the network (the
      // adapter reports it): a row is in doubt only if its request was leaving. An adapter that
      // cannot tell records none (a row whose process died mid-request is then sent again).
      const onDeparture = () => {
        departed ??= outbox.departures
          .departed(row, this.id)
          .catch((err: unknown) => this.options.log.warn({ err }, 'departure not recorded'));
      };
      try {
        if (!(await this.departing(row, turn))) return undefined;
        result = await adapter.send({
          ...row.payload,
          id: row.id.toString(),
          to: addressOf(row),
          ...correlation(row),
          beforeRequest: () => turn.beforeRequest(),
          onDeparture,
        });
      } catch (error) {
        turn.landed();
        await departed; // before the refusal is recorded, which clears it
        if (
          error instanceof RateLimitedError &&
          error.retryAfterMs <= MAX_SLOT_DELAY_MS &&
          waits < MAX_WAITS_IN_MEMORY
        ) {
          this.outcomes.pauseFor(row, error);
          if (departed) await outbox.departures.notDeparted(row, this.id);
          continue;
        }
        return this.outcomes.failed(row, error);
      }
      turn.landed();
      const id = row.id.toString();
      this.awaitingMark.add(id);
      void this.outcomes.sent(row, result).finally(() => this.awaitingMark.delete(id));
      return undefined;
    }
  }

  /**
   * Right before the row's request: its turn is checked again (a stall since the slot came means a
   * new slot, not a late bunch), and the row is checked to be still this worker's (another worker
   * did not take it after its lease ran out), its lease renewed; a check that took the turn past
   * its time is made again at a new turn. False when the row is no longer ours (then not sent).
   */
  private async departing(row: OutboxRow, turn: SendTurn): Promise<boolean> {
    const { outbox, leaseMs, log } = this.options;
    for (let tries = 1; ; tries++) {
      await turn.recheck();
      if (!(await outbox.departures.hold(row, this.id, new Date(this.now().getTime() + leaseMs)))) {
        turn.landed();
        log.warn({ id: row.id.toString() }, 'no longer ours right before its request; not sent from here');
        return false;
      }
      if (turn.onTime() || tries >= MAX_DEPARTURE_TRIES) return true;
    }
  }

  /**
   * Whether the row's lease still covers a send: one that waited long for its turn (a shared pace
   * far ahead, a stall) near the end of its lease has it renewed first; one whose lease ran out and
   * was claimed by another worker is not sent from here, so it is not sent twice.
   */
  private async stillOurs(row: OutboxRow): Promise<boolean> {
    const { leaseMs, outbox, log } = this.options;
    const now = this.now().getTime();
    if (now < row.lockedUntil.getTime() - Math.max(LEASE_RENEW_MARGIN_MS, leaseMs / 4)) return true;
    const renewed = await outbox.renewLease(row, this.id, new Date(now + leaseMs));
    if (!renewed)
      log.warn({ id: row.id.toString() }, 'lease ran out while waiting to send; another worker has the row');
    return renewed;
  }
}

function correlation(row: OutboxRow): Pick<OutboundMessage, 'correlationId' | 'replyHandle' | 'broadcast'> {
  return {
    ...(row.correlationId ? { correlationId: row.correlationId } : {}),
    ...(row.replyHandle ? { replyHandle: row.replyHandle } : {}),
    ...(row.broadcastId ? { broadcast: true } : {}),
  };
}
