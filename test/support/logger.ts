import type { Logger } from '../../src/core/log.ts';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps what was logged so tests can assert on it (and prints errors when DEBUG_LOGS is set). */
export class CapturingLogger implements Logger {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  private push(level: LogEntry['level'], obj: object | string, msg?: string): void {
    const entry: LogEntry =
      typeof obj === 'string'
        ? { level, msg: obj, fields: { ...this.bindings } }
        : { level, msg: msg ?? '', fields: { ...this.bindings, ...obj } };
    this.entries.push(entry);
    if (process.env.DEBUG_LOGS) console.log(level, entry.msg, entry.fields);
  }

  debug(obj: object | string, msg?: string): void {
    this.push('debug', obj, msg);
  }
  info(obj: object | string, msg?: string): void {
    this.push('info', obj, msg);
  }
  warn(obj: object | string, msg?: string): void {
    this.push('warn', obj, msg);
  }
  error(obj: object | string, msg?: string): void {
    this.push('error', obj, msg);
  }
  child(bindings: Record<string, unknown>): Logger {
    return new CapturingLogger(this.entries, { ...this.bindings, ...bindings });
  }

  /** Entries at `level` whose message contains `text`. */
  find(level: LogEntry['level'], text: string): LogEntry[] {
    return this.entries.filter((e) => e.level === level && e.msg.includes(text));
  }
}
