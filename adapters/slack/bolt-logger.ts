/** Bolt's logger interface over Hearth's logger, so Bolt's warnings (bad signatures...) land in Hearth's log. */
import { LogLevel } from '@slack/bolt';
import type { Logger } from '../../src/core/log.ts';

const ORDER = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];

export function boltLogger(log: Logger, initial: LogLevel = LogLevel.INFO) {
  let level = initial;
  let name = 'bolt';
  const enabled = (at: LogLevel) => ORDER.indexOf(at) >= ORDER.indexOf(level);
  const text = (parts: unknown[]) =>
    parts
      .map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p)))
      .join(' ');
  return {
    debug: (...msg: unknown[]) => enabled(LogLevel.DEBUG) && log.debug({ source: name }, text(msg)),
    info: (...msg: unknown[]) => enabled(LogLevel.INFO) && log.info({ source: name }, text(msg)),
    warn: (...msg: unknown[]) => enabled(LogLevel.WARN) && log.warn({ source: name }, text(msg)),
    error: (...msg: unknown[]) => enabled(LogLevel.ERROR) && log.error({ source: name }, text(msg)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: (next: string) => {
      name = next;
    },
  };
}
