import type { PGlite } from '@electric-sql/pglite';

/**
 * The PGlite instance with `query` (and a transaction's `query`) made in one trip, each SQL text a
 * named prepared statement; `forgetStatements()` has them prepared afresh (after a migration).
 */
export function oneTripClient(pg: PGlite): PGlite & { forgetStatements(): Promise<void> };

/** One parameter in Postgres' text format (bytes stay binary). */
export function toText(value: unknown): string | Uint8Array | null;
