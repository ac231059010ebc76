import type { PGlite } from '@electric-sql/pglite';

/** The PGlite instance with `query` (and a transaction's `query`) made in one trip. */
export function oneTripClient(pg: PGlite): PGlite;

/** One parameter in Postgres' text format (bytes stay binary). */
export function toText(value: unknown): string | Uint8Array | null;
