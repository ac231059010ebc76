import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';

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
  const name = `hearth_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolSize });
  await database.migrate();
  const close = database.close.bind(database);
  database.close = async () => {
    await close();
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  return database;
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export const TEST_DATABASES: TestDatabaseKind[] = [
  { name: 'pglite', open: openPglite },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: 'postgres' as const, open: () => openPostgres(process.env.TEST_DATABASE_URL ?? '') }]
    : []),
];

export const POSTGRES_URL = process.env.TEST_DATABASE_URL;
