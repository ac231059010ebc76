import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { type Prisma, PrismaClient } from '../../prisma/generated/client.ts';
import { lockDataDir } from './data-dir-lock.ts';
import type { ImmediateWriter } from './immediate-writer.ts';
import { PGliteThread } from './pglite-thread.ts';
import { applyMigrations, readMigrationList } from './schema-engine.ts';

export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;
export type { Prisma };

export interface DatabaseOptions {
  /** postgres:// URL; without it the embedded PGlite is used. */
  url?: string;
  /** PGlite data folder; `memory://` for a throwaway in-memory database. */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
  /** PGlite only: start from a data-dir dump (`PGlite.dumpDataDir`), e.g. an already migrated template. */
  restoreFrom?: Blob;
  /** PGlite only: Postgres shared_buffers (its page cache; all of it becomes resident memory). */
  sharedBuffers?: string;
}

export interface Database {
  prisma: Db;
  kind: 'pglite' | 'postgres';
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** True when every committed migration has been applied (nothing for `migrate` to do). */
  upToDate(): Promise<boolean>;
  /** Cheap liveness probe for /health. */
  ping(): Promise<boolean>;
  /** PostgreSQL only: a connection of its own for writes that must leave at once (ImmediateWriter). */
  immediate?: ImmediateWriter;
  close(): Promise<void>;
}

/** Opens the database Hearth runs on: PostgreSQL when a URL is given, else embedded PGlite. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    // The PostgreSQL driver is loaded only when used (the embedded database does not need it).
    const [{ PrismaPg }, { ImmediateWriter }] = await Promise.all([
      import('@prisma/adapter-pg'),
      import('./immediate-writer.ts'),
    ]);
    const factory = new PrismaPg({ connectionString: options.url, max: options.poolSize ?? 10 });
    const prisma = new PrismaClient({ adapter: factory });
    // Migrations get a one-connection pool: the engine's session advisory lock must be taken and
    // released on the same connection (with a pool, a second run waits ~10 s for a lock it leaked).
    const migrationFactory = () => new PrismaPg({ connectionString: options.url, max: 1 });
    const immediate = new ImmediateWriter(options.url);
    return { ...wrap('postgres', prisma, migrationFactory, () => immediate.close()), immediate };
  }
  const dataDir = options.dataDir ?? '.hearth';
  const inMemory = dataDir.startsWith('memory://');
  const unlock = inMemory ? () => {} : lockDataDir(dataDir);
  try {
    const location = inMemory ? dataDir : `${dataDir}/pgdata`;
    // PGlite runs on its own thread: its queries execute synchronously and would stall the event loop.
    const thread = await PGliteThread.open({
      location,
      ...(options.sharedBuffers ? { sharedBuffers: options.sharedBuffers } : {}),
      ...(options.restoreFrom ? { dump: options.restoreFrom } : {}),
    });
    const prisma = new PrismaClient({ adapter: thread });
    return wrap(
      'pglite',
      prisma,
      () => thread,
      async () => {
        await thread.close();
        unlock();
      },
    );
  } catch (error) {
    unlock();
    throw error;
  }
}

function wrap(
  kind: Database['kind'],
  prisma: Db,
  migrationFactory: () => SqlMigrationAwareDriverAdapterFactory,
  closeDriver: () => Promise<void>,
): Database {
  return {
    prisma,
    kind,
    migrate: async () => ((await migrationsUpToDate(prisma)) ? [] : applyMigrations(migrationFactory())),
    upToDate: () => migrationsUpToDate(prisma),
    async ping() {
      try {
        await prisma.$queryRaw`SELECT 1`;
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}

/**
 * True when every committed migration is recorded as finished and none is failed or half-applied,
 * which is `prisma migrate deploy`'s "nothing to do". Then the schema engine (a WASM module that
 * stays resident, about 15 MB) is not loaded at all: every start after the first, and every start
 * after the release phase's `npm run db:migrate`.
 */
async function migrationsUpToDate(prisma: Db): Promise<boolean> {
  const [table] = await prisma.$queryRaw<{ exists: boolean }[]>`
    SELECT to_regclass('_prisma_migrations') IS NOT NULL AS "exists"`;
  if (!table?.exists) return false;
  const rows = await prisma.$queryRaw<{ name: string; finished: boolean }[]>`
    SELECT migration_name AS name, finished_at IS NOT NULL AS finished
    FROM _prisma_migrations WHERE rolled_back_at IS NULL`;
  if (rows.some((row) => !row.finished)) return false;
  const finished = new Set(rows.map((row) => row.name));
  const { migrationDirectories } = await readMigrationList();
  return migrationDirectories.every((dir) => finished.has(dir.path));
}
