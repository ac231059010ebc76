/** Sums of fractional paces drift by rounding; this much early counts as on time. */
const ROUNDING_SLACK_MS = 0.01;

/**
 * The window is this much longer than the platform's: a send reaches the platform a few milliseconds
 * after it leaves here, and that skew must not squeeze more than the limit into one of the
 * platform's windows (it answers 429 and the slot is lost).
 */
const SKEW_MS = 5;

/**
 * Sends that may leave back to back (a burst): a tenth of the limit, at least ten (or the limit).
 * After a stall (a busy event loop, a GC pause) up to a tenth of a window of sends catch up; a stall
 * longer than that is capacity lost. The ring below still caps any window at the limit.
 */
const MIN_BURST = 10;

/** Largest limit kept as a ring of departure times (two numbers per send). */
const MAX_RING_LIMIT = 100_000;

/**
 * Paces a platform's departures: evenly, one every `windowMs` / `limit` (a virtual schedule, GCRA),
 * catching up at most a burst of sends after a quiet spell or a stall, and never more than `limit`
 * in any window of `windowMs` (plus SKEW_MS; a ring of the last `limit` departure times). Bursts
 * are what a platform counting over a sliding second answers with 429s: a burst leaves this process
 * over several milliseconds, so its sends reach the platform later than they were counted here.
 * Senders that must wait queue in one FIFO behind one timer: no stampede, first come first served.
 * A departure's time moves to when the platform answered it (`landed`): the window then counts from
 * the latest moment the platform can have seen it. Above MAX_RING_LIMIT sends a second (no real
 * platform; a limit lifted for a benchmark) the pace alone holds, without the ring.
 */
export class DepartureWindow {
  private readonly departed: number[];
  /** Which departure (by count) each ring entry holds. */
  private readonly departures: number[];
  private readonly ring: number;
  private next = 0;
  private count = 0;
  /** The pace: milliseconds between departures, and how far behind schedule a catch-up may start. */
  private readonly interval: number;
  private readonly burstMs: number;
  /** When the next departure is due by the pace. */
  private dueAt = Number.NEGATIVE_INFINITY;
  private readonly queue: ((departure: number) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  private readonly windowMs: number;

  constructor(
    readonly limit: number,
    platformWindowMs: number,
    private readonly now: () => number,
  ) {
    this.windowMs = platformWindowMs + SKEW_MS;
    this.ring = limit <= MAX_RING_LIMIT ? limit : 0;
    this.departed = new Array<number>(this.ring).fill(Number.NEGATIVE_INFINITY);
    this.departures = new Array<number>(this.ring).fill(0);
    this.interval = this.windowMs / limit;
    const burst = Math.max(Math.min(limit, MIN_BURST), Math.floor(limit / 10));
    this.burstMs = (burst - 1) * this.interval;
  }

  /** About how long a sender arriving now waits for its turn (the queue ahead included). */
  expectedWait(): number {
    const now = this.now();
    const paced = Math.max(this.dueAt, now - this.burstMs) + this.queue.length * this.interval - now;
    return Math.max(
      0,
      Math.ceil(paced - ROUNDING_SLACK_MS),
      this.queue.length === 0 ? this.windowWait(now) : 0,
    );
  }

  /** Departs now if it may and nobody is waiting (returns the departure); undefined otherwise. */
  tryDepart(): number | undefined {
    if (this.queue.length > 0 || this.waitAt(this.now()) > 0) return undefined;
    return this.record(this.now());
  }

  /** The departure, at once or when this sender may leave. */
  depart(): Promise<number> | number {
    return (
      this.tryDepart() ??
      new Promise<number>((resolve) => {
        this.queue.push(resolve);
        this.letThrough();
      })
    );
  }

  /** Counts departures made before this window existed (sends of an earlier run), oldest first. */
  prime(times: readonly number[]): void {
    for (const at of times) this.record(at);
  }

  /** Moves a departure (if still in the ring) to now, when the platform answered it. */
  landed(departure: number): void {
    if (this.ring === 0) return;
    const at = (departure - 1) % this.ring;
    if (this.departures[at] !== departure) return;
    this.departed[at] = Math.max(this.departed[at] ?? 0, this.now());
  }

  /** Milliseconds until one more departure fits both the pace and the window. */
  private waitAt(now: number): number {
    return Math.max(0, Math.ceil(this.dueAt - now - ROUNDING_SLACK_MS), this.windowWait(now));
  }

  private windowWait(now: number): number {
    const oldest = this.departed[this.next] ?? Number.NEGATIVE_INFINITY;
    return Math.max(0, Math.ceil(oldest + this.windowMs - now));
  }

  private record(now: number): number {
    this.count += 1;
    if (this.ring > 0) {
      this.departed[this.next] = now;
      this.departures[this.next] = this.count;
      this.next = (this.next + 1) % this.ring;
    }
    this.dueAt = Math.max(this.dueAt, now - this.burstMs) + this.interval;
    return this.count;
  }

  /** Lets waiting senders go in order while they may; re-arms the timer for the rest. */
  private letThrough(): void {
    if (this.timer) return;
    let wait = this.waitAt(this.now());
    while (wait === 0 && this.queue.length > 0) {
      const departure = this.record(this.now());
      this.queue.shift()?.(departure);
      wait = this.waitAt(this.now());
    }
    if (this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.letThrough();
    }, wait);
  }
}
