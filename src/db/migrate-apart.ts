import { spawn } from 'node:child_process';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Database, type DatabaseOptions, openDatabase } from './database.ts';

/**
 * Opens the database Hearth runs on; an embedded data folder behind the committed migrations (an
 * upgrade, or a template older than the migrations) is migrated by a short-lived child process
 * (`db:migrate`) before it is opened for good. Migrating
 * in-process leaves the schema engine and the memory PGlite's thread used for the DDL behind for
 * good (about 70 MB of the idle process after a first start); a child gives all of it back when it
 * exits. PostgreSQL and in-memory databases open as usual (Hearth migrates them at start).
 */
export async function openMigratedDatabase(options: DatabaseOptions): Promise<Database> {
  const dataDir = options.dataDir ?? '.hearth';
  if (options.url || dataDir.startsWith('memory://')) return openDatabase(options);
  // A new folder is unpacked from the shipped template, which normally holds every migration.
  const database = await openDatabase(options);
  if (await database.upToDate()) return database;
  await database.close();
  await migrateInChild(dataDir, options.sharedBuffers);
  return openDatabase(options);
}

/** Runs this package's `db:migrate` entry (compiled or TypeScript, like this file) on `dataDir`. */
function migrateInChild(dataDir: string, sharedBuffers: string | undefined): Promise<void> {
  const here = fileURLToPath(import.meta.url);
  const entry = join(here, '..', `migrate-cli${extname(here)}`);
  const env: NodeJS.ProcessEnv = { ...process.env, HEARTH_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  if (sharedBuffers) env.PGLITE_SHARED_BUFFERS = sharedBuffers;
  return new Promise((resolve, reject) => {
    // From TypeScript sources (development, tests) the child needs tsx, which a test runner's
    // worker may not have in its own flags.
    const loader = entry.endsWith('.ts') && !process.execArgv.includes('tsx') ? ['--import', 'tsx'] : [];
    const child = spawn(process.execPath, [...process.execArgv, ...loader, entry], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(new Error(`migrating the embedded database ${dataDir} failed (${signal ?? `exit ${code}`})`));
    });
  });
}
