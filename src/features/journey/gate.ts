import type { Db, Tx } from '../../db/database.ts';

/** Which just-enqueued pending rows to restrain. */
export type MarketingRows =
  /** A broadcast page: its rows for members in (after, upTo]. */
  | { broadcastId: string; memberAfter: string; memberUpTo: string }
  /** Rows whose dedupe key starts with this (a poll's direct messages: `poll:<id>:`). */
  | { dedupePrefix: string }
  | { ids: bigint[] };

/**
 * Holds or drops marketing messages (broadcasts, series steps, polls sent by direct message) as the
 * owners' restraint says: a weekly cap per member and quiet hours in the member's timezone. Called
 * in the transaction that enqueued them; support replies never pass through it.
 */
export interface MarketingGate {
  restrain(tx: Tx, rows: MarketingRows, options?: { expiresAt?: Date | null }): Promise<void>;
}

/** The gate the journey feature installed for a database (none: marketing is not restrained). */
const gates = new WeakMap<Db, MarketingGate>();

export function installMarketingGate(db: Db, gate: MarketingGate | undefined): void {
  if (gate) gates.set(db, gate);
  else gates.delete(db);
}

export function marketingGateOf(db: Db): MarketingGate | undefined {
  return gates.get(db);
}
