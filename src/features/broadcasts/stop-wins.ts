import type { Db, Tx } from '../../db/database.ts';

/**
 * STOP wins: cancels a member's pending broadcast messages whose audience no longer includes them
 * (none of the broadcast's topics is still among their subscriptions). Run it in the unsubscribe
 * transaction, after the subscription rows are gone. Returns how many were cancelled.
 */
export async function cancelBroadcastsLeftBehind(tx: Tx | Db, memberId: string): Promise<number> {
  return tx.$executeRaw`
    UPDATE outbox o SET status = 'cancelled'
    FROM broadcast b
    WHERE o."memberId" = ${memberId} AND o.status = 'pending' AND o."broadcastId" = b.id
      AND NOT EXISTS (
        SELECT 1 FROM subscription s
        WHERE s."memberId" = o."memberId" AND jsonb_exists(b.audience -> 'topics', s.topic))`;
}
