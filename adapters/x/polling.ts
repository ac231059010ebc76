import { setTimeout as sleep } from 'node:timers/promises';
import type { AdapterState } from '../../src/core/adapter-state.ts';
import { PermanentError, RateLimitedError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import type { InboundReceiver } from '../../src/core/receiver.ts';
import type { DmEvent, DmPage, XClient } from './client.ts';
import { isAuthError, msUntilReset, toCoreError } from './errors.ts';
import { compareIds, normalizeDmEvent } from './normalize.ts';

/** Twitter's snowflake epoch (ms): an id made at time t is about (t - epoch) << 22. */
const SNOWFLAKE_EPOCH_MS = 1288834974657n;

/** The smallest snowflake X could give an event made at `ms`: "now" as a cursor. */
export function snowflakeAt(ms: number): string {
  return String((BigInt(Math.floor(ms)) - SNOWFLAKE_EPOCH_MS) << 22n);
}

export const CURSOR_KEY = 'dm-cursor';

interface Cursor {
  /** The highest DM event id handed to the core (a decimal big integer). */
  lastEventId: string;
}

/** A read of the new events cut short on a later page (a 429, a failure, a stop). */
interface UnfinishedRead {
  /** The events newer than the cursor read so far. */
  events: DmEvent[];
  /** X's token of the page where the read stopped. */
  nextToken: string;
}

export interface DmPollerOptions {
  client: XClient;
  botUserId: string;
  state: AdapterState;
  receiver: InboundReceiver;
  log: Logger;
  /** Least time between two polls (X_POLL_INTERVAL_MS). */
  intervalMs: number;
  /** `max_results` per page: each event returned is billed, so small pages cost less. */
  pageSize: number;
  /** When the adapter started: the first cursor ever ("now"; DMs from before it are history). */
  startedAt: number;
  /** Every DM event X returned (each is billed as a read). */
  onEventsRead(events: readonly DmEvent[]): void;
  /** X refused the token (401): the owners are told. */
  onAuthError(error: unknown): void;
}

/**
 * Polls `GET /2/dm_events` (newest first, no since_id) in the instance holding the polling role:
 * pages are followed only while a page is entirely newer than the cursor; the new events go to the
 * core oldest first, and the cursor (the highest id, a big integer, in the adapter state) moves past
 * each once it is recorded. The very first cursor is "now": history is not answered.
 * A backlog longer than X's read quota allows in one go is read over several polls: a read cut short
 * keeps what it read and the next poll goes on from the page it reached (the cursor moves only once
 * the backlog is read through, so no event is skipped).
 */
export class DmPoller {
  private cursor: { value: Cursor; version: number } | undefined;
  private unfinished: UnfinishedRead | undefined;

  constructor(private readonly options: DmPollerOptions) {}

  async run(signal: AbortSignal): Promise<void> {
    const { log, intervalMs } = this.options;
    this.unfinished = undefined; // a new term of the role (another may have read meanwhile): start over
    while (!signal.aborted) {
      let wait = intervalMs;
      try {
        wait = Math.max(intervalMs, await this.pollOnce(signal));
      } catch (caught) {
        const error = toCoreError(caught);
        if (error instanceof RateLimitedError) {
          wait = Math.max(intervalMs, error.retryAfterMs);
          log.warn(
            { waitMs: wait },
            `x: reading DMs is rate limited; next poll in ${Math.ceil(wait / 1000)} s`,
          );
        } else {
          if (isAuthError(caught)) this.options.onAuthError(caught);
          log.warn(
            { err: error },
            `x: polling DMs failed (${error.message}); trying again at the next interval`,
          );
        }
      }
      await sleep(wait, undefined, { signal }).catch(() => {});
    }
  }

  /** One poll; returns the least wait before the next that X's read quota allows. */
  async pollOnce(signal: AbortSignal): Promise<number> {
    const { receiver, log } = this.options;
    const cursor = await this.loadCursor();
    await receiver.room();
    if (signal.aborted) return 0;
    const read = await this.readNew(cursor, signal);
    if (!read) return 0;
    const fresh = read.events.sort((a, b) => compareIds(a.id, b.id));
    for (const dm of fresh) {
      if (signal.aborted) break;
      const normalized = normalizeDmEvent(dm, this.options.botUserId);
      if ('event' in normalized) {
        await receiver.room();
        const receipt = receiver.receive(normalized.event);
        if (!(await receipt.recorded)) break; // given back (stopping): the next poll reads it again
      } else {
        log.debug({ eventId: dm.id }, `x: DM event ignored: ${normalized.ignored}`);
      }
      await this.advance(dm.id);
    }
    return read.quotaWait;
  }

  /**
   * The events newer than the cursor, newest page first (going on from an unfinished read), or
   * undefined when stopped part-way. A failed page read keeps what was read for the next poll.
   */
  private async readNew(
    cursor: Cursor,
    signal: AbortSignal,
  ): Promise<{ events: DmEvent[]; quotaWait: number } | undefined> {
    const { client, pageSize } = this.options;
    const resumed = this.unfinished;
    this.unfinished = undefined;
    const events = resumed?.events ?? [];
    let token = resumed?.nextToken;
    let quotaWait = 0;
    for (;;) {
      let page: DmPage;
      try {
        page = await client.dmEvents({ maxResults: pageSize, ...(token ? { paginationToken: token } : {}) });
      } catch (error) {
        if (token) this.keepUnfinished({ events, nextToken: token }, error);
        throw error;
      }
      this.options.onEventsRead(page.events);
      quotaWait = readQuotaWait(page.headers);
      let reachedCursor = false;
      for (const event of page.events) {
        if (
          typeof event?.id === 'string' &&
          /^\d+$/.test(event.id) &&
          compareIds(event.id, cursor.lastEventId) > 0
        )
          events.push(event);
        else reachedCursor = true;
      }
      if (reachedCursor || !page.nextToken) return { events, quotaWait };
      token = page.nextToken;
      if (signal.aborted) {
        this.unfinished = { events, nextToken: token };
        return undefined;
      }
    }
  }

  /** Keeps a read cut short for the next poll, unless X refused its token (then it starts over). */
  private keepUnfinished(read: UnfinishedRead, error: unknown): void {
    const { log } = this.options;
    if (toCoreError(error) instanceof PermanentError) {
      log.warn({ err: error }, 'x: reading older DM pages failed; the next poll starts at the newest');
      return;
    }
    this.unfinished = read;
    log.info(
      { read: read.events.length },
      'x: DM backlog partly read; the next poll goes on from the page it reached',
    );
  }

  private async loadCursor(): Promise<Cursor> {
    if (this.cursor) return this.cursor.value;
    const { state } = this.options;
    for (;;) {
      const stored = await state.get<Cursor>(CURSOR_KEY);
      if (stored) {
        this.cursor = stored;
        return stored.value;
      }
      const first = { lastEventId: snowflakeAt(this.options.startedAt) };
      const version = await state.compareAndSet(CURSOR_KEY, null, first);
      if (version !== undefined) {
        this.options.log.info('x: first start: DMs from before it are not answered');
        this.cursor = { value: first, version };
        return first;
      }
    }
  }

  /** Moves the cursor to `eventId` if higher; another writer's newer cursor is taken instead. */
  private async advance(eventId: string): Promise<void> {
    const current = this.cursor;
    if (!current || compareIds(eventId, current.value.lastEventId) <= 0) return;
    const value = { lastEventId: eventId };
    const version = await this.options.state.compareAndSet(CURSOR_KEY, current.version, value);
    if (version !== undefined) {
      this.cursor = { value, version };
      return;
    }
    this.cursor = undefined; // another instance moved it (a lost lease): read it again
    await this.loadCursor();
  }
}

/** The least wait between reads that X's reported quota allows (its window spread over what is left). */
export function readQuotaWait(headers: Parameters<typeof msUntilReset>[0]): number {
  const untilReset = msUntilReset(headers, 'x-rate-limit-reset');
  const remaining = Number(headers?.['x-rate-limit-remaining']);
  if (untilReset === undefined || !Number.isFinite(remaining)) return 0;
  return remaining <= 0 ? untilReset : Math.floor(untilReset / remaining);
}
