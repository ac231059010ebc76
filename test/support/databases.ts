import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { createPostgresDatabase } from './postgres.ts';

/** A database engine the data suites run on. */
export interface TestDatabaseKind {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty database of its own; `close()` drops it. */
  open(): Promise<Database>;
}

let template: Blob | undefined;

async function openPglite(): Promise<Database> {
  template ??= new Blob([readFileSync(inject('pgliteTemplatePath'))]);
  const database = await openDatabase({ dataDir: 'memory://', restoreFrom: template });
  await database.migrate();
  return database;
}

/** Creates a uniquely named database on the TEST_DATABASE_URL server, migrated; dropped on close. */
export async function openPostgres(serverUrl: string, poolSize = 5): Promise<Database> {
  const fresh = await createPostgresDatabase(serverUrl);
  const database = await openDatabase({ url: fresh.url, poolSize });
  await database.migrate();
  const close = database.close.bind(database);
  database.close = async () => {
    await close();
    await fresh.drop();
  };
  return database;
}

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export const TEST_DATABASES: TestDatabaseKind[] = [
  { name: 'pglite', open: openPglite },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: 'postgres' as const, open: () => openPostgres(process.env.TEST_DATABASE_URL ?? '') }]
    : []),
];

export const POSTGRES_URL = process.env.TEST_DATABASE_URL;
