/**
 * Group commit: many concurrent callers' items become one batched operation. Items added while a
 * batch runs wait for it and go together in the next one; an idle batcher flushes on the next turn of
 * a microtask, after the callers already running in this tick have added theirs (concurrent
 * handlers reach the same `add` in the same wave of microtasks), so they share one query. Each
 * caller's promise settles when its batch has finished (for writes: when they are durable).
 */
export class Batcher<I, O> {
  private pending: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  private running = false;
  private scheduled = false;

  /**
   * @param run does the batched operation; returns one result per item, in the items' order.
   * @param maxBatch the most items one call of `run` gets; the rest wait for the next call.
   * @param lingerMs how long an idle batcher waits for more items before it runs (0: the next
   *   microtask). For items that trickle in (sends finishing one by one) a few milliseconds turn
   *   many tiny statements into a few large ones.
   */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 500,
    private readonly lingerMs = 0,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      void this.flush();
    };
    if (this.lingerMs > 0 && this.pending.length < this.maxBatch) setTimeout(flush, this.lingerMs);
    else queueMicrotask(flush);
  }

  private async flush(): Promise<void> {
    if (this.running || this.pending.length === 0) return;
    this.running = true;
    const batch = this.pending.splice(0, this.maxBatch);
    try {
      const results = await this.run(batch.map((entry) => entry.item));
      if (results.length !== batch.length) {
        throw new Error(`batch returned ${results.length} results for ${batch.length} items`);
      }
      for (const [i, entry] of batch.entries()) entry.resolve(results[i] as O);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.running = false;
      if (this.pending.length > 0) this.schedule();
    }
  }
}
