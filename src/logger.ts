import pino from 'pino';
import type { Logger } from './core/log.ts';

/** JSON logs (pino); `LOG_LEVEL` sets the level. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'hearth' } });
}
