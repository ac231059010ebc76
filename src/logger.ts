import pino from 'pino';
import type { Logger } from './core/log.ts';
import { REDACTED, Secrets } from './core/secrets.ts';

/** Fields that carry credentials wherever they appear in a log line's object. */
const REDACT_PATHS = [
  'headers.authorization',
  '*.headers.authorization',
  'config.headers.Authorization',
  '*.config.headers.Authorization',
  'raw.token',
  'event.raw.token',
];

/**
 * JSON logs (pino); `LOG_LEVEL` sets the level. Every line is written with the values of `secrets`
 * replaced (whatever logged them: an SDK error's URL, a serialised request), plus credential fields
 * by name.
 */
export function createLogger(
  level: string,
  secrets: Secrets = new Secrets(),
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { app: 'hearth' },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: { streamWrite: (line) => secrets.redact(line) },
  };
  return destination ? pino(options, destination) : pino(options);
}
