/**
 * The updates a Telegram adapter is handling: chained per chat, so one chat's updates reach the core
 * in the order they were sent ("/subscribe" then "STOP"), and tracked, so receiving can pause while
 * too many are in hand and stop() can wait for them.
 */
export class UpdateHandling {
  private readonly inflight = new Set<Promise<void>>();
  private readonly chatTails = new Map<string, Promise<void>>();

  /** Runs `work` after every earlier update of `chatId` has been handled. */
  inChatOrder(chatId: string, work: () => Promise<void>): Promise<void> {
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
  track(work: Promise<void>): Promise<void> {
    this.inflight.add(work);
    return work.finally(() => this.inflight.delete(work));
  }

  /** Resolves once at most `limit` tracked updates are still in hand. */
  async roomFor(limit: number): Promise<void> {
    while (this.inflight.size > limit) await Promise.race(this.inflight).catch(() => {});
  }

  /** Resolves once everything tracked so far has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }
}
