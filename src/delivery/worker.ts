import { randomUUID } from 'node:crypto';
import type { PlatformAdapter } from '../core/adapter.ts';
import { errorMessage, PermanentError, RateLimitedError } from '../core/errors.ts';
import type { Platform } from '../core/events.ts';
import type { Logger } from '../core/log.ts';
import type { SendResult } from '../core/outbound.ts';
import { backoffMs } from './backoff.ts';
import { addressOf, type Outbox, type OutboxRow } from './outbox.ts';
import type { SendRateLimiter } from './rate-limiter.ts';

/** Told about delivery outcomes (metrics, broadcasts' progress, unsubscribing unreachable members). */
export interface DeliveryListener {
  onSent?(row: OutboxRow, result: SendResult): Promise<void> | void;
  onDead?(row: OutboxRow, error: unknown): Promise<void> | void;
  /** The platform says this recipient is gone for good (blocked the bot, deactivated). */
  onRecipientGone?(row: OutboxRow, error: PermanentError): Promise<void> | void;
}

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

/** A row the platform accepted, to record as sent. */
interface Sent {
  row: OutboxRow;
  result: SendResult;
}

/** Wait before retrying a row whose platform has no running adapter. */
const NO_ADAPTER_RETRY_MS = 60_000;

/**
 * Claims due outbox rows and sends them through the rate limiter and the platform's adapter:
 * 429 → back in the queue after exactly the time asked; transient errors → backoff; permanent →
 * dead letter. Safe to run in several processes at once (claims use SKIP LOCKED).
 */
export class DeliveryWorker {
  readonly id = `worker-${randomUUID().slice(0, 8)}`;
  private readonly listeners: DeliveryListener[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeRequested = false;
  private readonly recording = new Set<Promise<unknown>>();
  private readonly now: () => Date;

  constructor(private readonly options: WorkerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  addListener(listener: DeliveryListener): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Asks for a pass now (after an enqueue), instead of at the next poll. */
  wake(): void {
    if (!this.running) return;
    if (this.loop) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
    await Promise.all([...this.recording]);
  }

  /** Runs passes until no row is due now; used by tests and benchmarks. */
  async drain(): Promise<void> {
    while ((await this.runOnce()) > 0) {}
  }

  /** One pass: claims a batch, sends it and records the outcome. Returns how many rows were claimed. */
  async runOnce(): Promise<number> {
    const { claimed, recorded } = await this.sendBatch();
    await recorded;
    return claimed;
  }

  /** Claims and sends a batch; `recorded` settles once its sends are recorded and listeners told. */
  private async sendBatch(): Promise<{ claimed: number; recorded: Promise<void> }> {
    const { outbox, batchSize, leaseMs } = this.options;
    const rows = await outbox.claim(this.id, batchSize, this.now(), leaseMs);
    const sent: Sent[] = [];
    await Promise.all(chatGroups(rows).map((group) => this.deliverInOrder(group, sent)));
    return { claimed: rows.length, recorded: this.recordSent(sent) };
  }

  /**
   * Records the pass's sends all at once (the outbox and metrics batch them into one statement each),
   * then tells the listeners; each row's listeners run in order, rows concurrently.
   */
  private async recordSent(sent: Sent[]): Promise<void> {
    const { outbox, log } = this.options;
    await Promise.all(
      sent.map(async ({ row, result }) => {
        const recorded = await outbox.markSent(row, this.id, result.messageId);
        if (!recorded)
          log.warn({ id: row.id.toString() }, 'sent, but the row was no longer ours (lease expired)');
        await this.notify('onSent', (l) => l.onSent?.(row, result));
      }),
    );
  }

  /**
   * Sends one chat's rows one after another (replies to a chat arrive in the order they were queued).
   * Once a row is put back to wait, the rest of the chat waits with it, so none overtakes it.
   */
  private async deliverInOrder(group: OutboxRow[], sent: Sent[]): Promise<void> {
    for (let i = 0; i < group.length; i++) {
      const row = group[i] as OutboxRow;
      const deferredUntil = await this.deliver(row, sent);
      if (deferredUntil) {
        for (const rest of group.slice(i + 1))
          await this.options.outbox.release(rest, this.id, deferredUntil, null, false);
        return;
      }
    }
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
    try {
      this.wakeRequested = false;
      const batch = await this.sendBatch();
      claimed = batch.claimed;
      // The next pass claims while this one's sends are being recorded (their rows stay leased).
      const recording = batch.recorded.catch((error: unknown) =>
        this.options.log.error(
          { err: error },
          'recording sends failed; the rows are sent again after their lease',
        ),
      );
      this.recording.add(recording);
      void recording.finally(() => this.recording.delete(recording));
    } catch (error) {
      this.options.log.error({ err: error }, 'delivery pass failed; retrying at the next poll');
    }
    if (!this.running) return;
    const again = claimed > 0 || this.wakeRequested;
    this.schedule(again ? 0 : this.options.pollMs);
  }

  /** Sends one row (a success goes to `sent`); returns when it was put back to wait, if it was. */
  private async deliver(row: OutboxRow, sent: Sent[]): Promise<Date | undefined> {
    const { limiter, outbox } = this.options;
    const adapter = this.options.adapterFor(row.platform);
    if (!adapter) {
      return this.retryOrDie(row, new Error(`no running adapter for ${row.platform}`), NO_ADAPTER_RETRY_MS);
    }
    const wait = await limiter.acquire(row.platform, row.chatId);
    if (wait > 0) {
      const at = new Date(this.now().getTime() + wait);
      await outbox.release(row, this.id, at, null, false);
      return at;
    }
    let result: SendResult;
    try {
      result = await adapter.send({
        ...row.payload,
        id: row.id.toString(),
        to: addressOf(row),
        ...correlation(row),
      });
    } catch (error) {
      return this.handleFailure(row, error);
    }
    sent.push({ row, result });
    return undefined;
  }

  private async handleFailure(row: OutboxRow, error: unknown): Promise<Date | undefined> {
    const { limiter, outbox, log } = this.options;
    if (error instanceof RateLimitedError) {
      limiter.pause(row.platform, error.scope === 'global' ? null : row.chatId, error.retryAfterMs);
      const at = new Date(this.now().getTime() + error.retryAfterMs);
      await outbox.release(row, this.id, at, errorMessage(error), false);
      log.warn(
        { id: row.id.toString(), platform: row.platform, retryAfterMs: error.retryAfterMs },
        'rate limited',
      );
      return at;
    }
    if (error instanceof PermanentError) {
      await outbox.deadLetter(row, this.id, errorMessage(error));
      log.warn({ id: row.id.toString(), platform: row.platform, err: errorMessage(error) }, 'dead-lettered');
      if (error.recipientGone) await this.notify('onRecipientGone', (l) => l.onRecipientGone?.(row, error));
      await this.notify('onDead', (l) => l.onDead?.(row, error));
      return undefined;
    }
    return this.retryOrDie(row, error, backoffMs(row.attempts));
  }

  private async retryOrDie(row: OutboxRow, error: unknown, delayMs: number): Promise<Date | undefined> {
    const { outbox, log, maxAttempts } = this.options;
    if (row.attempts >= maxAttempts) {
      await outbox.deadLetter(row, this.id, `gave up after ${row.attempts} attempts: ${errorMessage(error)}`);
      log.warn({ id: row.id.toString(), err: errorMessage(error) }, 'dead-lettered after retries');
      await this.notify('onDead', (l) => l.onDead?.(row, error));
      return undefined;
    }
    const at = new Date(this.now().getTime() + delayMs);
    await outbox.release(row, this.id, at, errorMessage(error), true);
    log.info(
      { id: row.id.toString(), attempt: row.attempts, delayMs, err: errorMessage(error) },
      'send failed; will retry',
    );
    return at;
  }

  private async notify(what: string, call: (listener: DeliveryListener) => unknown): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await call(listener);
      } catch (error) {
        this.options.log.error({ err: error, hook: what }, 'delivery listener failed');
      }
    }
  }
}

/** Rows grouped by chat (platform, chatId), each group in queue order (availableAt, id). */
export function chatGroups(rows: OutboxRow[]): OutboxRow[][] {
  const groups = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    const key = `${row.platform}\u0000${row.chatId}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()];
}

function correlation(row: OutboxRow): { correlationId?: string } {
  return row.correlationId ? { correlationId: row.correlationId } : {};
}
