import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database of its own on a PostgreSQL server. */
export interface ThrowawayPostgres {
  url: string;
  /** Drops it (closing any connection still open). */
  drop(): Promise<void>;
}

/**
 * Creates an empty database on the server at `serverUrl` (no vitest here: bench scripts use it too).
 * Without a name it gets a unique one; a named one replaces any database left by an earlier run.
 */
export async function createPostgresDatabase(serverUrl: string, name?: string): Promise<ThrowawayPostgres> {
  const dbName = name ?? `hearth_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (name) await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await adminQuery(serverUrl, `CREATE DATABASE ${dbName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`),
  };
}

/** Runs one statement on the server's admin connection (CREATE/DROP DATABASE cannot run in a pool). */
async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
