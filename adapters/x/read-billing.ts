/**
 * DM events X bills as reads: each once per UTC day however often it is read again (X deduplicates
 * reads within a day), so each id is counted once a day.
 */
export class DailyReads {
  /** DM event ids counted today. */
  private readonly counted = new Set<string>();
  private day = '';

  /** How many of `events` were not yet counted today (and counts them). */
  countNew(events: readonly { id?: unknown }[]): number {
    const day = new Date().toISOString().slice(0, 10);
    if (this.day !== day || this.counted.size > 100_000) {
      this.day = day;
      this.counted.clear();
    }
    let fresh = 0;
    for (const event of events) {
      const id = String(event.id);
      if (this.counted.has(id)) continue;
      this.counted.add(id);
      fresh++;
    }
    return fresh;
  }
}
