/**
 * The secret values of this process (tokens, signing secrets, passwords), so that no log line and
 * no public status shows one, however it got there: a Telegram token inside a Bot API URL in an
 * SDK's error, an Authorization header in a failed request's details, a database URL. Every form a
 * secret commonly travels in is matched: as is, JSON-escaped and URL-encoded.
 */
export const REDACTED = '[redacted]';

/** Settings whose names say they hold a secret (config errors never echo their values either). */
export const SECRET_NAME = /TOKEN|SECRET|KEY|PASSWORD/;

/** Shorter values are not treated as secrets (they would blank out ordinary words). */
const MIN_SECRET_LENGTH = 6;

export class Secrets {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(values: Iterable<string | undefined> = []) {
    for (const value of values) this.add(value);
  }

  /** Registers a secret (undefined and too-short values are ignored). */
  add(value: string | undefined): this {
    if (!value || value.length < MIN_SECRET_LENGTH) return this;
    for (const form of [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]) {
      this.values.add(form);
    }
    this.pattern = undefined;
    return this;
  }

  get size(): number {
    return this.values.size;
  }

  /** `text` with every registered secret replaced by [redacted]. */
  redact(text: string): string {
    if (this.values.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.values]
        .sort((a, b) => b.length - a.length)
        .map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, REDACTED);
  }
}
