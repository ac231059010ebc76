/** Exponential backoff with full jitter: attempt 1 → up to 1 s, doubling, capped at `maxMs`. */
export function backoffMs(attempt: number, baseMs = 1000, maxMs = 5 * 60_000, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
