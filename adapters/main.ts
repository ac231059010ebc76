/**
 * Hearth's composition root: config → adapters → database → bot → worker → HTTP.
 * It lives in adapters/ because it is the one place that knows every platform adapter; src/ stays
 * platform-neutral (src/hearth.ts assembles everything else).
 */
import { inspect } from 'node:util';
import { shutdownHandler } from '../src/app/shutdown.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { Secrets } from '../src/core/secrets.ts';
import { DataDirLockedError } from '../src/db/data-dir-lock.ts';
import { openMigratedDatabase } from '../src/db/migrate-apart.ts';
import { loadDotEnv } from '../src/dotenv.ts';
import { Hearth } from '../src/hearth.ts';
import { assertConsoleProtected } from '../src/http/exposure.ts';
import { createLogger } from '../src/logger.ts';
import { secretsOf } from '../src/secrets.ts';
import { ADAPTER_SETTINGS, createAdapters } from './registry.ts';

/** Secrets of the configuration, once it is read: redacted from logs and from a failed start's report. */
let secrets = new Secrets();

async function main(): Promise<void> {
  const fromDotEnv = loadDotEnv('.env');
  const config = loadConfig(process.env, ADAPTER_SETTINGS);
  assertConsoleProtected(config); // before anything starts: refuse an open console at once
  secrets = secretsOf(process.env, ADAPTER_SETTINGS);
  const log = createLogger(config.LOG_LEVEL, secrets);
  if (fromDotEnv.length > 0) log.info({ variables: fromDotEnv.length }, 'settings read from .env');
  const adapters = await createAdapters(config, process.env, log);
  const database = await openMigratedDatabase({
    url: config.DATABASE_URL,
    dataDir: config.HEARTH_DATA_DIR,
    sharedBuffers: config.PGLITE_SHARED_BUFFERS,
  });
  const hearth = new Hearth({ config, log, database, adapters, secrets });
  const shutdown = shutdownHandler({
    stop: () => hearth.stop(),
    log,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    exit: (code) => process.exit(code),
  });
  // After the first signal both handlers go, so a second SIGINT or SIGTERM gets Node's default
  // action: exit at once.
  const onSignal = (signal: NodeJS.Signals) => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    void shutdown(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('unhandledRejection', (reason) =>
    log.error({ err: reason }, 'unhandled rejection (kept running)'),
  );
  try {
    await hearth.start();
  } catch (error) {
    await hearth.stop().catch(() => {});
    throw error;
  }
  const where = database.kind === 'pglite' ? `embedded database in ${config.HEARTH_DATA_DIR}` : 'PostgreSQL';
  log.info(`Hearth is running on ${where}. Console: http://localhost:${hearth.port}/`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    console.error(`hearth: ${secrets.redact(error.message)}`);
  } else {
    console.error(`hearth: failed to start: ${secrets.redact(inspect(error))}`);
  }
  process.exit(1);
});
