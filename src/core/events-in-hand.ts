/**
 * The events a receiver is handling: chained per chat, so one chat's events reach the core in the
 * order they were sent ("/subscribe" then "STOP"), and tracked, so receiving can pause while too
 * many are in hand and stop() can wait for them.
 */
export class EventsInHand {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly chatTails = new Map<string, Promise<unknown>>();
  /** Callers of roomFor() waiting, oldest first, each with the count it waits for. */
  private readonly waiting: { limit: number; wake: () => void }[] = [];

  /** Runs `work` after every earlier event of `chatId` has been handled. */
  inChatOrder<T>(chatId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.chatTails.get(chatId);
    const run = previous ? previous.then(work) : work();
    const tail = run.catch(() => {});
    this.chatTails.set(chatId, tail);
    void tail.then(() => {
      if (this.chatTails.get(chatId) === tail) this.chatTails.delete(chatId);
    });
    return run;
  }

  /** Counts `work` as in hand until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    return work.finally(() => {
      this.inflight.delete(work);
      this.wakeWaiting();
    });
  }

  /**
   * Resolves once at most `limit` tracked events are still in hand. Waiters queue and are woken
   * in turn as work settles (racing every promise in hand would cost each waiter one reaction per
   * promise, again after every settle: quadratic exactly when the core is slow).
   */
  roomFor(limit: number): Promise<void> {
    if (this.inflight.size <= limit && this.waiting.length === 0) return Promise.resolve();
    return new Promise((wake) => {
      this.waiting.push({ limit, wake });
      this.wakeWaiting();
    });
  }

  private wakeWaiting(): void {
    for (let first = this.waiting[0]; first && this.inflight.size <= first.limit; first = this.waiting[0]) {
      this.waiting.shift();
      first.wake();
    }
  }

  /** Resolves once nothing tracked is in hand (work tracked meanwhile included). */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }
}
